# Validation: systemdUnits must be a list.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; systemdUnits = "x.service"; };
}
