# An hour out of range.
with import ./common.nix;
container.mkBackupTimer {
  name = "myapp";
  backupConfig = backupConfig // { schedule = "0 25 * * *"; };
}
