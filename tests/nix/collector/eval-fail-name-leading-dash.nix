# Validation: service name must start with a letter or digit.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  "-x" = { enable = true; };
}
