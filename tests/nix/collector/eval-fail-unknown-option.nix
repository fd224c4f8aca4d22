# Validation: unknown contract field (a typo).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPath = [ "/x" ]; };
}
