# Validation: backup.tags elements must be strings.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backup.tags = [ true ]; };
}
