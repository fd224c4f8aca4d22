# Validation: relative dataDir.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  nextcloud = { enable = true; dataDir = "var/lib/nextcloud"; };
}
