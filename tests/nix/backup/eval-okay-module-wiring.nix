# nix/modules/backup.nix called with a fake nixpkgs lib (./fake-nixos.nix): option defaults
# equal the lib's, and each job spec lands in services.restic.backups / systemd.services /
# tmpfiles as intended (metrics hook first in ExecStopPost and allowed to fail).
with import ./common.nix;
let
  fake = import ./fake-nixos.nix;
  moduleBackup = {
    enable = true;
    schedule = "02:00";
    restic = {
      repositories.nas = nas // { environmentFile = null; };
      globalSettings = {
        compression = "auto";
        readConcurrency = null;
        retryLock = null;
        retention = {
          daily = 14;
          weekly = 8;
          monthly = 6;
          yearly = 2;
        };
      };
      jobs = { };
    };
    monitoring.prometheus = {
      enable = true;
      metricsDir = "/var/lib/node_exporter/textfile_collector";
    };
  };
  m = import ../../../nix/modules/backup.nix {
    inherit (fake) lib pkgs;
    config = {
      modules.backup = moduleBackup;
      networking.hostName = "forge";
      # As the module system hands it over: with `_module`, which the module must strip.
      qgroget.serviceModules.db = service "/var/lib/db" [ "/var/backup/db" ] // {
        priority = 10;
        _module.args = { };
      };
    };
  };
  o = m.options.modules.backup;
  c = m.config.content;
  unit = c.systemd.services.restic-backups-service-db;
in
{
  defaults = {
    enable = o.enable.default;
    schedule = o.schedule.default;
    compression = o.restic.globalSettings.compression.default;
    retention = builtins.mapAttrs (_: x: x.default) o.restic.globalSettings.retention;
    metricsDir = o.monitoring.prometheus.metricsDir.default;
    sameAsLib =
      o.schedule.default == backup.defaults.schedule
      && o.monitoring.prometheus.metricsDir.default == backup.defaults.monitoring.prometheus.metricsDir;
  };
  enabledOnlyWhenEnabled = m.config.condition;
  assertions = c.assertions;
  restic = builtins.mapAttrs (
    _: j:
    removeAttrs j [
      "backupPrepareCommand"
      "backupCleanupCommand"
    ]
    // {
      prepareIsBash = builtins.substring 0 30 j.backupPrepareCommand == "#!/nix/store/bash/bin/bash\n# J";
      cleanupIsBash = builtins.substring 0 30 j.backupCleanupCommand == "#!/nix/store/bash/bin/bash\n# J";
    }
  ) c.services.restic.backups;
  unit = {
    inherit (unit) after;
    execStopPost = unit.serviceConfig.ExecStopPost;
  };
  tmpfiles = c.systemd.tmpfiles.rules;
}
