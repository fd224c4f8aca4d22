# NixOS wiring of nixdrill's container backups (nix/lib/container.nix):
#  - module arguments mkBackupService / mkBackupTimer / mkBackupDirectories, as the "Container
#    Backup Utilities" design uses them, with the archivers of the chosen format put on the
#    service's PATH;
#  - modules.containerBackups.<name>, the same thing declared as data.
# All logic is in the lib (tested in tests/nix/container and tests/host).
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    concatLists
    filterAttrs
    literalExpression
    mapAttrs'
    mapAttrsToList
    mkOption
    nameValuePair
    types
    ;

  containerLib = (import ../lib).container or (import ../lib/container.nix);

  # The lib names packages; only this module can turn names into store paths.
  withPath =
    args:
    args
    // {
      path = map (n: pkgs.${n}) (containerLib.packagesFor (args.backupConfig.format or containerLib.configDefaults.format));
    };

  mkBackupService = args: containerLib.mkBackupService (withPath args);
  inherit (containerLib) mkBackupTimer mkBackupDirectories;

  backupOptions = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to back the container's data up on a timer.";
    };
    paths = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/mnt/nas/containers" ];
      description = "Destination directories; every archive is copied to each of them.";
    };
    schedule = mkOption {
      type = types.str;
      default = containerLib.configDefaults.schedule;
      example = "30 3 * * *";
      description = "5-field cron expression (converted to OnCalendar; unconvertible ones fail evaluation).";
    };
    format = mkOption {
      type = types.enum containerLib.formats;
      default = containerLib.configDefaults.format;
      example = "tar.xz";
      description = "Archive format.";
    };
    maxRetentionDays = mkOption {
      type = types.ints.unsigned;
      default = containerLib.configDefaults.maxRetentionDays;
      example = 30;
      description = "Delete archives older than this many days (0 = no age limit).";
    };
    retentionSnapshots = mkOption {
      type = types.ints.unsigned;
      default = containerLib.configDefaults.retentionSnapshots;
      example = 7;
      description = "Keep this many newest archives per destination (0 = keep all).";
    };
  };

  containerType = types.submodule {
    options = {
      serviceName = mkOption {
        type = types.str;
        example = "docker-myapp.service";
        description = "Unit stopped while archiving, e.g. docker-myapp.service.";
      };
      dataPaths = mkOption {
        type = types.listOf types.str;
        example = [ "/var/lib/myapp" ];
        description = "Directories archived.";
      };
      user = mkOption {
        type = types.str;
        default = "root";
        example = "backup";
        description = "Owner of the archives and destination directories.";
      };
      group = mkOption {
        type = types.str;
        default = "root";
        example = "backup";
        description = "Group of the archives and destination directories.";
      };
      backup = backupOptions;
    };
  };

  cfg = config.modules.containerBackups;
  enabled = filterAttrs (_: c: c.backup.enable) cfg;
  disabled = filterAttrs (_: c: !c.backup.enable) cfg;
  optionPath = name: "modules.containerBackups.${name}.backup";
in
{
  options.modules.containerBackups = mkOption {
    type = types.attrsOf containerType;
    default = { };
    example = literalExpression ''
      {
        myapp = {
          serviceName = "docker-myapp.service";
          dataPaths = [ "/var/lib/myapp" ];
          backup = { enable = true; paths = [ "/mnt/nas/containers" ]; schedule = "30 3 * * *"; retentionSnapshots = 7; };
        };
      }
    '';
    description = "Containers whose data is archived on a timer (see docs/backup-module.md).";
  };

  config = {
    _module.args = {
      inherit mkBackupService mkBackupTimer mkBackupDirectories;
    };

    # A disabled container installs nothing, but its settings are checked as nix/lib's
    # `declare` checks them (an enabled one is checked by mkBackupService itself).
    assertions = concatLists (
      mapAttrsToList (
        name: c:
        map (message: {
          assertion = false;
          inherit message;
        }) (
          containerLib.validateDeclared {
            inherit name;
            inherit (c) serviceName dataPaths user group;
            backupConfig = c.backup;
            optionPath = optionPath name;
          }
        )
      ) disabled
    );

    systemd.services = mapAttrs' (
      name: c:
      nameValuePair "${name}-backup" (mkBackupService {
        inherit name;
        inherit (c) serviceName dataPaths user group;
        backupConfig = c.backup;
        optionPath = optionPath name;
      })
    ) enabled;

    systemd.timers = mapAttrs' (
      name: c:
      nameValuePair "${name}-backup" (mkBackupTimer {
        inherit name;
        backupConfig = c.backup;
        optionPath = optionPath name;
      })
    ) enabled;

    systemd.tmpfiles.rules = concatLists (
      mapAttrsToList (
        name: c:
        mkBackupDirectories {
          backupConfig = c.backup;
          inherit (c) user group;
          optionPath = optionPath name;
        }
      ) enabled
    );
  };
}
