# Validation: non-integer priority: string.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; priority = "10"; };
}
