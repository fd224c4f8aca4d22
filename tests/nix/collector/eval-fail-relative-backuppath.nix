# Validation: relative backupPaths element, index counted from 0.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  nextcloud = { enable = true; backupPaths = [ "/var/lib/ok" "var/lib/x" ]; };
}
