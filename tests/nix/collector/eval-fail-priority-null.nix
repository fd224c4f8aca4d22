# Validation: non-integer priority: null.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { priority = null; };
}
