# Validation: empty service name.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  "" = { enable = true; };
}
