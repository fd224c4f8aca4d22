# Validation: '..' segment in backupPaths.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPaths = [ "/var/lib/x/../../etc" ]; };
}
