# The prepare/cleanup commands, verbatim: units stopped in the order given then preBackup;
# postBackup then units started in reverse order, every start attempted whatever failed.
# (tests/host/test-restic-job.sh runs these texts.)
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      immich = service "/var/lib/immich" [ "/srv/photos" ] // {
        systemdUnits = [
          "immich-server.service"
          "immich-ml.service"
          "redis-immich.service"
        ];
        preBackup = "pg_dump immich >/var/backup/immich.sql";
        postBackup = "rm -f /var/backup/immich.sql";
      };
      plain = service "/var/lib/plain" [ "/etc/plain" ] // {
        systemdUnits = [ ];
      };
    };
    config = baseConfig;
  };
in
builtins.mapAttrs (_: j: {
  prepare = j.backupPrepareCommand;
  cleanup = j.backupCleanupCommand;
}) r.jobs
