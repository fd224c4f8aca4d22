# zfsDataset must name a dataset, not a snapshot or a path.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.db = service "/var/lib/db" [ ] // {
    backup = {
      useSnapshots = true;
      zfsDataset = "tank/db@yesterday";
    };
  };
  services.web = service "/var/lib/web" [ ] // {
    backup = {
      useSnapshots = true;
      zfsDataset = "/tank/web";
    };
  };
  config = baseConfig;
}
