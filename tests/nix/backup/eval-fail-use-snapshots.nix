# ZFS snapshot coordination is declared by a service but not implemented: refused, not ignored.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.db = service "/var/lib/db" [ "/var/backup/db" ] // {
    backup = {
      useSnapshots = true;
      zfsDataset = "tank/db";
    };
  };
  config = baseConfig;
}
