# Validation: a service must be an attribute set.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = true;
}
