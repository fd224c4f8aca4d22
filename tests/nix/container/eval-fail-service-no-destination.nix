# A backup service with nowhere to copy to.
with import ./common.nix;
container.mkBackupService (args // { backupConfig = backupConfig // { paths = [ ]; }; })
