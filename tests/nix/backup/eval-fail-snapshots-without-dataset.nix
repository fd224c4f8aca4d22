# useSnapshots without zfsDataset: the assertion names the option path.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.db = service "/var/lib/db" [ ] // { backup.useSnapshots = true; };
  config = baseConfig;
}
