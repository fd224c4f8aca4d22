# Validation: service name outside ASCII.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  "café" = { enable = true; };
}
