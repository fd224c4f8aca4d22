# Validation: service name with a slash.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  "a/b" = { enable = true; };
}
