# nixdrill collector, NixOS module: declares the service contracts (qgroget.serviceModules) and
# publishes what the pure collector derives from them: backup registrations (qgroget.backups)
# and Impermanence persistence. A thin wrapper: all semantics live in ../lib/collector.nix and
# are described in docs/collector.md.
{ config, lib, ... }:
let
  inherit (lib)
    literalExpression
    mkEnableOption
    mkOption
    types
    ;

  nixdrillLib = import ../lib;

  # The module system adds `_module` to every submodule value; the pure lib rejects unknown
  # fields, so hand it exactly the contract.
  withoutModule = v: builtins.removeAttrs v [ "_module" ];
  services = builtins.mapAttrs (
    _: s:
    withoutModule s
    // {
      healthCheck = if s.healthCheck or null == null then null else withoutModule s.healthCheck;
    }
  ) config.qgroget.serviceModules;

  # Types are already enforced by the option types below; `validate` adds what they cannot
  # express (absolute paths, no "..", safe names, snapshots need a dataset).
  errors = nixdrillLib.validate services;

  # On invalid input publish nothing: the assertions, not a throw from `collect`, must be what
  # the user sees.
  result =
    if errors == [ ] then
      nixdrillLib.collect services
    else
      {
        persistence = [ ];
        backups = { };
        backupOrder = [ ];
        overlaps = [ ];
      };

  serviceModule =
    { name, ... }:
    {
      options = {
        enable = mkEnableOption "persistence and backups for the ${name} service";

        dataDir = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "/var/lib/nextcloud";
          description = ''
            The service's state directory. Persisted and, when {option}`backupPaths` is not
            empty, backed up first. Absolute, without `..` segments; normalised (trailing and
            repeated slashes, `.` segments removed).
          '';
        };

        backupPaths = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "/var/lib/nextcloud/data"
            "/srv/nextcloud"
          ];
          description = ''
            Absolute paths to persist and back up. Leave empty to opt out of backups: the
            {option}`dataDir` is then persisted only. A path already covered by a registration
            earlier in (priority, name) order is left to that registration.
          '';
        };

        systemdUnits = mkOption {
          type = types.listOf types.str;
          default = [ "${name}.service" ];
          defaultText = literalExpression ''[ "''${name}.service" ]'';
          example = [
            "phpfpm-nextcloud.service"
            "nextcloud-cron.timer"
          ];
          description = ''
            Units stopped while this service's paths are backed up. A registration that takes
            over paths of another service also stops that service's units.
          '';
        };

        priority = mkOption {
          type = types.int;
          default = 100;
          example = 10;
          description = ''
            Backup order, lower first (databases before the applications using them); the
            service name breaks ties. Also decides which registration keeps a shared path.
          '';
        };

        exclude = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "*.tmp"
            "/var/lib/nextcloud/cache"
          ];
          description = "Exclude patterns passed to the backup job.";
        };

        preBackup = mkOption {
          type = types.nullOr types.lines;
          default = null;
          example = "nextcloud-occ maintenance:mode --on";
          description = "Shell commands run before the backup, after the units are stopped.";
        };

        postBackup = mkOption {
          type = types.nullOr types.lines;
          default = null;
          example = "nextcloud-occ maintenance:mode --off";
          description = "Shell commands run after the backup, before the units are started again.";
        };

        healthCheck = mkOption {
          type = types.nullOr (
            types.submodule {
              options = {
                command = mkOption {
                  type = types.str;
                  example = "curl -fsS http://127.0.0.1:8080/status";
                  description = ''
                    Shell command (bash, stdin closed) that succeeds once the service works:
                    a query of its data, an HTTP request. Give tools by absolute path or rely
                    on the system PATH.
                  '';
                };
                expect = mkOption {
                  type = types.nullOr types.str;
                  default = null;
                  example = "\"status\":\"ok\"";
                  description = "Text the command's output must contain; null accepts any output.";
                };
                timeout = mkOption {
                  type = types.int;
                  default = 60;
                  description = ''
                    Seconds the rendered `health-service-<name>.sh --wait` keeps retrying
                    (once a second) before the service counts as not ready; also the limit of
                    one run of the command.
                  '';
                };
              };
            }
          );
          default = null;
          example = literalExpression ''{ command = "curl -fsS http://127.0.0.1:8080/status"; expect = "ok"; }'';
          description = ''
            How to tell that the service works after a restore. Rendered into the backup job's
            `health-service-<name>.sh` (also for the services whose paths the job took over);
            the drills start the units after a restore and wait for it.
          '';
        };

        backup = {
          repository = mkOption {
            type = types.nullOr types.str;
            default = null;
            example = "nas-primary";
            description = "Name of the repository to back up to; null means the primary one.";
          };

          tags = mkOption {
            type = types.listOf types.str;
            default = [ ];
            example = [ "nextcloud" ];
            description = "Tags added to this service's snapshots.";
          };

          useSnapshots = mkOption {
            type = types.bool;
            default = false;
            description = ''
              Back up from a ZFS snapshot of {option}`backup.zfsDataset` (taken before, destroyed
              after) instead of the live filesystem.
            '';
          };

          zfsDataset = mkOption {
            type = types.nullOr types.str;
            default = null;
            example = "tank/nextcloud";
            description = "ZFS dataset to snapshot; required when {option}`backup.useSnapshots` is set.";
          };

          postgres = mkOption {
            type = types.nullOr (
              types.submodule {
                options = {
                  databases = mkOption {
                    type = types.listOf types.str;
                    default = [ ];
                    example = [ "nextcloud" ];
                    description = ''
                      Databases dumped with `pg_dump --format=custom` into {option}`dumpDir` before
                      restic runs; the dumps are backed up and removed afterwards. Restored by the
                      rendered `restore-service-<name>.sh`.
                    '';
                  };
                  user = mkOption {
                    type = types.str;
                    default = "postgres";
                    example = "postgres";
                    description = "OS user the PostgreSQL tools run as (runuser -u).";
                  };
                  dumpDir = mkOption {
                    type = types.nullOr types.str;
                    default = null;
                    example = "/var/backup/postgresql/nextcloud";
                    description = "Staging directory of the dumps; null = /var/backup/postgresql/<service>.";
                  };
                  pgbackrest = {
                    enable = mkOption {
                      type = types.bool;
                      default = false;
                      description = ''
                        Run `pgbackrest stanza-create` and `pgbackrest backup` before restic, which then
                        backs up {option}`repoPath`. pgBackRest itself (pgbackrest.conf,
                        archive_command) is configured outside nixdrill.
                      '';
                    };
                    stanza = mkOption {
                      type = types.nullOr types.str;
                      default = null;
                      example = "main";
                      description = "pgBackRest stanza; required when enabled.";
                    };
                    repoPath = mkOption {
                      type = types.str;
                      default = "/var/lib/pgbackrest";
                      example = "/var/lib/pgbackrest";
                      description = "pgBackRest's repo1-path, added to the restic job's paths.";
                    };
                    type = mkOption {
                      type = types.enum [
                        "full"
                        "diff"
                        "incr"
                      ];
                      default = "full";
                      example = "incr";
                      description = "pgBackRest backup type.";
                    };
                  };
                };
              }
            );
            default = null;
            example = literalExpression ''{ databases = [ "nextcloud" ]; }'';
            description = ''
              PostgreSQL databases of this service, dumped consistently before the backup
              (PostgreSQL itself keeps running; do not list its unit in systemdUnits).
            '';
          };
        };
      };
    };

  registrationModule = {
    options = {
      paths = mkOption {
        type = types.listOf types.str;
        description = "Normalised paths this registration backs up, none nested in another registration's.";
      };
      systemdUnits = mkOption {
        type = types.listOf types.str;
        description = "Units to stop during the backup: the service's own, then those of services whose paths it took over.";
      };
      priority = mkOption {
        type = types.int;
        description = "Backup order, lower first.";
      };
      exclude = mkOption {
        type = types.listOf types.str;
        description = "Exclude patterns.";
      };
      preBackup = mkOption {
        type = types.nullOr types.lines;
        description = "Commands run before the backup.";
      };
      postBackup = mkOption {
        type = types.nullOr types.lines;
        description = "Commands run after the backup.";
      };
      healthChecks = mkOption {
        type = types.listOf types.attrs;
        default = [ ];
        description = ''
          Readiness checks a restore of this registration must pass ({ service, command, expect,
          timeout }): its own service's healthCheck and those of the services it took paths from.
        '';
      };
    };
  };

  overlapModule = {
    options = {
      path = mkOption {
        type = types.str;
        description = "The removed path (normalised).";
      };
      owner = mkOption {
        type = types.str;
        description = "The registration that backs it up: the earliest holding it or an ancestor.";
      };
      removedFrom = mkOption {
        type = types.listOf types.str;
        description = "Registrations it was removed from, sorted by name.";
      };
    };
  };
in
{
  options.qgroget = {
    serviceModules = mkOption {
      type = types.attrsOf (types.submodule serviceModule);
      default = { };
      example = literalExpression ''
        {
          postgresql = {
            enable = true;
            dataDir = "/var/lib/postgresql";
            backupPaths = [ "/var/lib/postgresql/16" ];
            priority = 10;
          };
          nextcloud = {
            enable = true;
            dataDir = "/var/lib/nextcloud";
            backupPaths = [ "/srv/nextcloud" ];
            systemdUnits = [ "phpfpm-nextcloud.service" ];
          };
        }
      '';
      description = ''
        Service contracts. The collector persists the {option}`dataDir` and
        {option}`backupPaths` of every enabled service and registers a backup
        ({option}`qgroget.backups`) for every enabled service with non-empty
        {option}`backupPaths`. Service names must be usable in unit and job names
        (`[A-Za-z0-9_.@-]`, starting with a letter or digit).
      '';
    };

    backups = mkOption {
      type = types.attrsOf (types.submodule registrationModule);
      readOnly = true;
      description = ''
        Backup registrations computed by the collector from {option}`qgroget.serviceModules`,
        consumed by the backup module. Overlapping paths are assigned to one registration.
      '';
    };

    collector = {
      backupOrder = mkOption {
        type = types.listOf types.str;
        readOnly = true;
        description = "Names of {option}`qgroget.backups` in backup order (priority, then name).";
      };
      overlaps = mkOption {
        type = types.listOf (types.submodule overlapModule);
        readOnly = true;
        description = "Paths removed from a registration because an earlier registration covers them, sorted by path.";
      };
    };
  };

  config = {
    qgroget.backups = result.backups;
    qgroget.collector = {
      inherit (result) backupOrder overlaps;
    };
    # After the host's own entries, which are kept.
    environment.persistence."/persist".directories = lib.mkAfter result.persistence;
    assertions = map (message: {
      assertion = false;
      inherit message;
    }) errors;
  };
}
