# Validation: preBackup must be a string or null.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; preBackup = [ "echo" ]; };
}
