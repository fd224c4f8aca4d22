# @reboot has no calendar equivalent.
with import ./common.nix;
container.mkBackupTimer {
  name = "myapp";
  backupConfig = backupConfig // { schedule = "@reboot"; };
}
