# A destination tmpfiles.d would split.
with import ./common.nix;
container.mkBackupDirectories {
  backupConfig = backupConfig // { paths = [ "/var/backups/my app" ]; };
  user = "myapp";
  group = "myapp";
}
