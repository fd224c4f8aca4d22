# Shared fixtures of the container backup tests (the runner only picks eval-*.nix).
rec {
  container = import ../../../nix/lib/container.nix;
  cron = import ../../../nix/lib/cron.nix;

  backupConfig = {
    enable = true;
    paths = [
      "/var/backups/myapp"
      "/mnt/backup/myapp"
    ];
    schedule = "0 2 * * *";
    format = "tar.gz";
    maxRetentionDays = 30;
    retentionSnapshots = 7;
  };

  args = {
    name = "myapp";
    serviceName = "docker-myapp.service";
    dataPaths = [
      "/var/lib/myapp/config"
      "/var/lib/myapp/data"
    ];
    user = "myapp";
    group = "myapp";
    inherit backupConfig;
  };

  # The rendered settings of a script: its NIXDRILL_*=... header lines.
  settings =
    script:
    builtins.filter (l: builtins.isString l && builtins.match "NIXDRILL_[A-Z_]+=('.*'|\\(.*\\))" l != null) (
      builtins.split "\n" script
    );
}
