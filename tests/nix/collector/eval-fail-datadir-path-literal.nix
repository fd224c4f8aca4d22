# Validation: a Nix path literal is not a string (it would be copied to the store).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; dataDir = /var/lib/x; };
}
