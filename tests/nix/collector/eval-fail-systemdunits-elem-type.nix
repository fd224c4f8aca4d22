# Validation: systemdUnits elements must be strings.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; systemdUnits = [ null ]; };
}
