# Validation: backup.useSnapshots must be a boolean.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backup.useSnapshots = "yes"; };
}
