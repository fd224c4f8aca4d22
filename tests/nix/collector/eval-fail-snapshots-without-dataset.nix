# Validation: useSnapshots needs a zfsDataset.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; backupPaths = [ "/x" ]; backup.useSnapshots = true; };
}
