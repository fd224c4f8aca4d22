# Validation: non-integer priority: float.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPaths = [ "/x" ]; priority = 1.5; };
}
