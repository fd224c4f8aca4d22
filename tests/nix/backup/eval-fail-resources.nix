# Resources systemd cannot take.
with import ./common.nix;
backup.renderBackupsOrThrow {
  config = merge baseConfig {
    restic.jobs.big = {
      paths = [ "/srv" ];
      resources = {
        memory = "2 GB";
        cpus = 0;
      };
    };
  };
}
