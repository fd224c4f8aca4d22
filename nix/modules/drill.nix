# NixOS wiring of scheduled read-only restore drills (services.nixdrill.drills.<name>): option
# declarations, and the script, service and timer rendered by nix/lib/drill.nix (where the logic
# and its validation live and are tested on the host: tests/host/test-drill-script.sh). The
# service runs `nixdrill drill`, which never writes to the repository.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    concatMap
    filterAttrs
    literalExpression
    mapAttrs'
    mkEnableOption
    mkIf
    mkOption
    mkPackageOption
    nameValuePair
    types
    ;

  drillLib = import ../lib/drill.nix;
  cfg = config.services.nixdrill;

  drillType = types.submodule {
    options = {
      repository = mkOption {
        type = types.str;
        example = "sftp:backup@nas.example:/srv/restic/forge";
        description = "The restic repository to drill (opened read-only: no lock taken or removed, nothing written).";
      };
      passwordFile = mkOption {
        type = types.str;
        example = "/run/secrets/restic-forge";
        description = "File holding the repository password; read at run time, never copied into the store.";
      };
      environmentFile = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "/run/secrets/restic-b2-env";
        description = "NAME=value lines for restic (credentials of s3:, b2:, rest: repositories).";
      };
      schedule = mkOption {
        type = types.str;
        default = "weekly";
        example = "0 4 * * 0";
        description = ''When to drill: "HH:MM", a systemd shorthand, or a 5-field cron expression (converted to OnCalendar=).'';
      };
      sample = mkOption {
        # Strings are checked by nix/lib/drill.nix, whose assertion names this option.
        type = types.either types.ints.positive types.str;
        default = 20;
        example = "10%";
        description = ''
          How much of the latest snapshot is restored and verified: a number of files (1 to
          1000000), or a share of the snapshot's files as "P%" (above 0, at most 100, at most two
          decimals; rounded up, at least one file). The files are chosen by a seeded shuffle whose
          seed is the snapshot's id, so a snapshot is always sampled the same way. Ignored with
          {option}`fullRestore`.
        '';
      };
      fullRestore = mkOption {
        type = types.bool;
        default = false;
        description = "Restore and verify the whole latest snapshot instead of a sample.";
      };
      readDataSubset = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "5%";
        description = "Also read this part of the pack data with restic check --read-data-subset.";
      };
      metricsDir = mkOption {
        type = types.str;
        default = "/var/lib/node_exporter/textfile_collector";
        description = "Where restic-drill-<name>.prom is written (node_exporter's textfile collector).";
      };
      notify = {
        ntfyTopic = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "https://ntfy.sh/forge-backups";
          description = "ntfy topic URL that gets start, success and failure messages.";
        };
        healthchecksUrlFile = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "/run/secrets/healthchecks-drill-url";
          description = "File holding the healthchecks.io ping URL (a secret: never rendered into the store).";
        };
      };
    };
  };

  rendered = builtins.mapAttrs (name: d: drillLib.render name d) cfg.drills;
  unit = name: "nixdrill-drill-${name}";
in
{
  options.services.nixdrill = {
    package = mkOption {
      type = types.package;
      defaultText = literalExpression "nixdrill's flake package";
      example = literalExpression "nixdrill.packages.x86_64-linux.default";
      description = "The nixdrill package whose `nixdrill drill` the drills run.";
    };
    drills = mkOption {
      type = types.attrsOf drillType;
      default = { };
      example = literalExpression ''
        {
          nas = {
            repository = "/mnt/nas/restic";
            passwordFile = "/run/secrets/restic";
            schedule = "0 4 * * 0";
            readDataSubset = "5%";
            notify.ntfyTopic = "https://ntfy.sh/forge-backups";
          };
        }
      '';
      description = "Scheduled read-only restore drills of production repositories.";
    };
  };

  config = mkIf (cfg.drills != { }) {
    assertions = concatMap (
      name:
      map (message: {
        assertion = false;
        inherit message;
      }) rendered.${name}.errors
    ) (builtins.attrNames rendered);

    systemd.services = mapAttrs' (
      name: r:
      nameValuePair (unit name) {
        description = "nixdrill read-only restore drill ${name}";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        path = [
          cfg.package
          pkgs.restic
          pkgs.curl
          pkgs.coreutils
        ];
        serviceConfig = {
          Type = "oneshot";
          ExecStart = "${pkgs.writeShellScript "${unit name}.sh" r.script}";
          Nice = 10;
          IOSchedulingClass = "idle";
          StateDirectory = "nixdrill";
        };
      }
    ) (filterAttrs (_: r: r.ok) rendered);

    systemd.timers = mapAttrs' (
      name: r:
      nameValuePair (unit name) {
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnCalendar = r.onCalendar;
          Persistent = true;
          RandomizedDelaySec = "30m";
        };
      }
    ) (filterAttrs (_: r: r.ok) rendered);
  };
}
