# Validation: backup.repository must be a string or null.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backup.repository = { }; };
}
