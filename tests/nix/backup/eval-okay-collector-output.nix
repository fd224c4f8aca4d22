# The NixOS module passes the collector's output (qgroget.backups) directly, with the service
# contracts only for backup.repository/tags: same jobs as collecting from the contracts.
with import ./common.nix;
let
  services = {
    postgres = service "/var/lib/postgresql" [ "/var/backup/pg" ] // {
      priority = 10;
      backup.tags = [ "db" ];
    };
    app = service "/var/lib/app" [ "/etc/app" ];
  };
  collected = (import ../../../nix/lib).collect services;
  direct = backup.renderBackups {
    inherit services;
    backups = collected.backups;
    config = baseConfig;
  };
  viaServices = backup.renderBackups {
    inherit services;
    config = baseConfig;
  };
  # Registrations without contracts: tags are the service name only, primary repository.
  bare = backup.renderBackups {
    backups.cache = {
      paths = [ "/var/cache/x" ];
      systemdUnits = [ ];
      priority = 100;
      exclude = [ ];
      preBackup = null;
      postBackup = null;
    };
    config = baseConfig;
  };
  badShape = backup.validate {
    backups.cache = {
      paths = "/var/cache/x";
      weird = true;
    };
    config = baseConfig;
  };
in
{
  same = direct.jobs == viaServices.jobs && direct.jobOrder == viaServices.jobOrder;
  jobOrder = direct.jobOrder;
  postgresTags = direct.jobs.service-postgres.tags;
  bare = {
    inherit (bare.jobs.service-cache) tags repositoryName systemdUnits;
  };
  inherit badShape;
}
