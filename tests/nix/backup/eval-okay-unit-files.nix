# The self-contained unit texts (no Nix store path; run-<job>.sh found by name on PATH), as a
# Debian guest installs them. tests/host/test-rendered-files.sh runs systemd-analyze verify.
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      db = service "/var/lib/db" [ "/var/backup/db" ] // {
        priority = 10;
      };
      app = service "/var/lib/app" [ "/etc/app" ];
    };
    config = merge baseConfig {
      schedule = "03:15";
      restic.jobs.media = {
        paths = [ "/srv/media" ];
        resources = {
          memory = "1g";
          cpus = "0.5";
        };
        priority = 10;
      };
      monitoring.prometheus.enable = true;
    };
  };
in
{
  inherit (r) jobOrder;
  appService = r.files."restic-backups-service-app.service";
  appTimer = r.files."restic-backups-service-app.timer";
  mediaService = r.files."restic-backups-media.service";
}
