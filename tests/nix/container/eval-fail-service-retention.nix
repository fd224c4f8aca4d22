# Negative retention values.
with import ./common.nix;
container.mkBackupService (args // {
  backupConfig = backupConfig // {
    maxRetentionDays = -7;
    retentionSnapshots = -1;
  };
})
