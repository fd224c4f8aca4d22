# Validation: unknown field inside backup.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPaths = [ "/x" ]; backup.repo = "nas"; };
}
