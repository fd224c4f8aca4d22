# Validation: service name with a space.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  "my service" = { enable = true; };
}
