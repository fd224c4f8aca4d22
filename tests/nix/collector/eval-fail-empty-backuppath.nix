# Validation: an empty string is not an absolute path (only dataDir may be empty).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPaths = [ "" ]; };
}
