# Validation: backup must be an attribute set.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backup = "nas"; };
}
