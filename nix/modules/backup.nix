# NixOS wiring of nixdrill's backup module (modules.backup): option declarations, and the job
# specs rendered by nix/lib/backup.nix fed to nixpkgs' services.restic.backups and
# systemd.services. No logic of its own: what a job does is decided in the lib, where it is
# tested (tests/nix/backup) and where the VM drills get the same jobs as runnable scripts.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    literalExpression
    mapAttrs
    mapAttrs'
    mkBefore
    mkEnableOption
    mkIf
    mkOption
    nameValuePair
    optional
    optionalAttrs
    types
    ;

  nixlib = import ../lib;
  backupLib = nixlib.backup or (import ../lib/backup.nix { inherit (nixlib) collector; });

  cfg = config.modules.backup;

  repositoryType = types.submodule {
    options = {
      url = mkOption {
        type = types.str;
        example = "sftp:backup@nas.example:/srv/restic/forge";
        description = "restic repository: a local absolute path or a URL (sftp:, s3:, b2:, rest:, ...).";
      };
      passwordFile = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "/run/secrets/restic-nas";
        description = "File holding the repository password. Required (an assertion fails without it).";
      };
      environmentFile = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "/run/secrets/restic-b2-env";
        description = "File of KEY=value lines for the backend (cloud credentials), sourced before restic runs.";
      };
      primary = mkOption {
        type = types.bool;
        default = false;
        description = "Repository used by registrations and jobs that name none. Exactly one when any job needs it.";
      };
    };
  };

  jobType = types.submodule {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether this hand-written job exists.";
      };
      paths = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "/etc/nixos" "/home/alice/documents" ];
        description = "Absolute paths to back up (at least one).";
      };
      repository = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "offsite";
        description = "Name of a repository in restic.repositories; null = the primary one.";
      };
      tags = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "config" ];
        description = "restic tags of the snapshots.";
      };
      excludePatterns = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "*.tmp" ".cache" ];
        description = "restic --exclude patterns.";
      };
      preBackupScript = mkOption {
        type = types.nullOr types.lines;
        default = null;
        example = "sqlite3 /var/lib/app/db.sqlite '.backup /var/lib/app/db.backup'";
        description = "bash run (with errexit) after the units are stopped, before restic.";
      };
      postBackupScript = mkOption {
        type = types.nullOr types.lines;
        default = null;
        example = "rm -f /var/lib/app/db.backup";
        description = "bash run after restic, whatever happened, before the units are started again.";
      };
      resources = {
        memory = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "512m";
          description = "MemoryMax= of the job's unit (K/M/G/T suffix in any case, a percentage or infinity).";
        };
        cpus = mkOption {
          type = types.nullOr (types.either types.str types.number);
          default = null;
          example = "0.5";
          description = "CPUs for the job, as CPUQuota= (0.5 -> 50%); at most two decimals.";
        };
      };
      priority = mkOption {
        type = types.int;
        default = 100;
        example = 10;
        description = "Lower numbers run first (the job's unit is ordered after every lower number).";
      };
      systemdUnits = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "app.service" "app-worker.service" ];
        description = "Units stopped (in this order) during the backup and started again (reverse order).";
      };
    };
  };

  # Option values -> the plain attrset the lib takes (only the options it knows).
  plainConfig = {
    inherit (cfg) enable schedule;
    restic = {
      repositories = mapAttrs (_: r: {
        inherit (r)
          url
          passwordFile
          environmentFile
          primary
          ;
      }) cfg.restic.repositories;
      globalSettings = {
        inherit (cfg.restic.globalSettings) compression readConcurrency retryLock;
        retention = {
          inherit (cfg.restic.globalSettings.retention)
            daily
            weekly
            monthly
            yearly
            ;
        };
      };
      jobs = mapAttrs (_: j: {
        inherit (j)
          enable
          paths
          repository
          tags
          excludePatterns
          preBackupScript
          postBackupScript
          priority
          systemdUnits
          ;
        resources = {
          inherit (j.resources) memory cpus;
        };
      }) cfg.restic.jobs;
    };
    monitoring.prometheus = {
      inherit (cfg.monitoring.prometheus) enable metricsDir;
    };
  };

  rendered = backupLib.renderBackups {
    # The collector's registrations when its module is imported; the contracts for
    # backup.repository and backup.tags.
    # (`_module` is added to every submodule value by the module system; the lib rejects
    # unknown fields.)
    services = mapAttrs (_: stripModule) (config.qgroget.serviceModules or { });
    backups = config.qgroget.backups or null;
    config = plainConfig;
    hostName = config.networking.hostName;
  };

  # backup.postgres is a submodule too.
  stripModule =
    s:
    removeAttrs s [ "_module" ]
    // optionalAttrs (s ? backup && (s.backup.postgres or null) != null) {
      backup = s.backup // {
        postgres = removeAttrs s.backup.postgres [ "_module" ];
      };
    };

  # Tools a job's prepare step runs beyond the base system's (PostgreSQL, pgBackRest, ZFS).
  toolsOf =
    j:
    optional (j.postgres != null) pkgs.util-linux # runuser
    ++ optional (j.postgres != null && j.postgres.databases != [ ]) config.services.postgresql.package
    ++ optional (j.postgres != null && j.postgres.pgbackrest.enable) pkgs.pgbackrest
    ++ optional j.useSnapshots config.boot.zfs.package;

  # nixpkgs runs these through writeScript: say which shell.
  asScript = text: "#!${pkgs.runtimeShell}\n" + text;

  # The rendered restore and readiness commands (restore-, pitr-, health-<job>.sh) as commands,
  # with the tools they run on their PATH: what an operator types is what the drills ran.
  restoreCommands = lib.concatLists (
    lib.mapAttrsToList (
      _: j:
      map (
        file:
        pkgs.writeShellScriptBin file (
          "export PATH=${lib.makeBinPath ([ pkgs.restic ] ++ toolsOf j)}:$PATH\n" + rendered.files.${file}
        )
      ) (builtins.filter (f: f != null) [ j.restoreFile or null j.pitrFile or null j.healthFile or null ])
    ) rendered.jobs
  );
in
{
  options.modules.backup = {
    enable = mkEnableOption "nixdrill's restic backups of the registered services";

    schedule = mkOption {
      type = types.str;
      default = "02:00";
      example = "30 1 * * *";
      description = ''
        When every job runs: "HH:MM" (daily), "HH:MM:SS", a systemd shorthand (daily, weekly,
        ...) or a 5-field cron expression. Anything else fails an assertion.
      '';
    };

    restic = {
      repositories = mkOption {
        type = types.attrsOf repositoryType;
        default = { };
        example = literalExpression ''
          {
            nas = { url = "sftp:backup@nas.example:/srv/restic/forge"; passwordFile = "/run/secrets/restic-nas"; primary = true; };
            offsite = { url = "b2:forge-backups:/"; passwordFile = "/run/secrets/restic-b2"; environmentFile = "/run/secrets/restic-b2-env"; };
          }
        '';
        description = "restic repositories by name.";
      };
      globalSettings = {
        compression = mkOption {
          type = types.nullOr (
            types.enum [
              "auto"
              "off"
              "max"
            ]
          );
          default = "auto";
          example = "max";
          description = "restic --compression (repository format 2); null omits the flag.";
        };
        readConcurrency = mkOption {
          type = types.nullOr types.ints.positive;
          default = null;
          example = 4;
          description = "restic --read-concurrency. Not understood by restic 0.14 (Debian 12): leave null there.";
        };
        retryLock = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "5m";
          description = "restic --retry-lock (restic >= 0.16) for backup and prune; null omits it.";
        };
        retention = mapAttrs (
          k: d:
          mkOption {
            type = types.ints.unsigned;
            default = d;
            example = d + 1;
            description = "Snapshots kept by restic forget --keep-${k}; 0 drops the flag.";
          }
        ) backupLib.defaults.restic.globalSettings.retention;
      };
      jobs = mkOption {
        type = types.attrsOf jobType;
        default = { };
        example = literalExpression ''
          {
            nixos-config = { paths = [ "/etc/nixos" ]; tags = [ "config" ]; priority = 5; };
          }
        '';
        description = "Backup jobs written by hand, beside the ones generated from qgroget.backups.";
      };
    };

    monitoring.prometheus = {
      enable = mkEnableOption "node_exporter textfile metrics of every job";
      metricsDir = mkOption {
        type = types.str;
        default = "/var/lib/node_exporter/textfile_collector";
        description = "Directory of node_exporter's textfile collector; restic-<job>.prom is written there.";
      };
    };

    rendered = mkOption {
      type = types.raw;
      readOnly = true;
      default = rendered;
      defaultText = literalExpression "backupLib.renderBackups { ... }";
      description = "What nix/lib/backup.nix rendered (jobs, jobOrder, files): for tests and the VM drills.";
    };
  };

  config = mkIf cfg.enable {
    assertions = rendered.assertions;

    services.restic.backups = mapAttrs (_: j: {
      # Snapshot jobs: prepare writes the snapshot's paths, dynamicFilesFrom hands them to restic.
      paths = if j.useSnapshots then [ ] else j.paths;
      inherit (j)
        dynamicFilesFrom
        exclude
        repository
        passwordFile
        environmentFile
        initialize
        extraBackupArgs
        pruneOpts
        timerConfig
        ;
      backupPrepareCommand = asScript j.backupPrepareCommand;
      backupCleanupCommand = asScript j.backupCleanupCommand;
    }) rendered.jobs;

    systemd.services = mapAttrs' (
      name: j:
      nameValuePair "restic-backups-${name}" {
        inherit (j) after;
        path = toolsOf j;
        serviceConfig =
          j.serviceConfig
          # First, and allowed to fail: a failing ExecStopPost= skips the later ones, and the
          # cleanup (postStop, which starts the stopped units again) must always run.
          // optionalAttrs (j.metricsHook != null) {
            ExecStopPost = mkBefore [ "-${pkgs.writeShellScript "restic-metrics-${name}" j.metricsHook}" ];
          };
      }
    ) rendered.jobs;

    systemd.tmpfiles.rules = optional cfg.monitoring.prometheus.enable "d ${cfg.monitoring.prometheus.metricsDir} 0755 root root -";

    environment.systemPackages = restoreCommands;
  };
}
