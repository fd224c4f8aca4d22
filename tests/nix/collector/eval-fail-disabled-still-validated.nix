# Validation: disabled services are validated too (types and paths do not depend on enable).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = false; backupPaths = [ "relative" ]; };
}
