# nix/modules/container-backup.nix called with a fake nixpkgs lib: modules.containerBackups
# becomes <name>-backup services (archivers of the format on PATH), timers and tmpfiles rules,
# disabled entries nothing (but their settings are checked); the module arguments wrap the lib's helpers.
let
  fake = import ../backup/fake-nixos.nix;
  backupValues = enable: format: {
    inherit enable format;
    paths = [ "/var/backups/${format}" ];
    schedule = "0 3 * * *";
    maxRetentionDays = 0;
    retentionSnapshots = 7;
  };
  m = import ../../../nix/modules/container-backup.nix {
    inherit (fake) lib pkgs;
    config.modules.containerBackups = {
      jellyfin = {
        serviceName = "podman-jellyfin.service";
        dataPaths = [ "/var/lib/jellyfin" ];
        user = "jellyfin";
        group = "media";
        backup = backupValues true "tar.xz";
      };
      idle = {
        serviceName = "podman-idle.service";
        dataPaths = [ "/var/lib/idle" ];
        user = "root";
        group = "root";
        backup = backupValues false "zip";
      };
    };
  };
  c = m.config;
  # A disabled entry installs nothing but its settings are checked: a failed assertion each.
  broken = import ../../../nix/modules/container-backup.nix {
    inherit (fake) lib pkgs;
    config.modules.containerBackups.old = {
      serviceName = "podman-old.service";
      dataPaths = [ "/var/lib/old" ];
      user = "root";
      group = "root";
      backup = backupValues false "rar" // {
        paths = [ ];
      };
    };
  };
  viaArgs = c._module.args.mkBackupService {
    name = "x";
    serviceName = "x.service";
    dataPaths = [ "/var/lib/x" ];
    user = "root";
    group = "root";
    backupConfig = {
      paths = [ "/b" ];
      format = "zip";
    };
  };
in
{
  services = builtins.mapAttrs (_: s: { inherit (s) description path; }) c.systemd.services;
  timers = c.systemd.timers;
  tmpfiles = c.systemd.tmpfiles.rules;
  argsPath = viaArgs.path;
  moduleArgs = builtins.attrNames c._module.args;
  assertions = c.assertions;
  disabledChecked = {
    inherit (broken.config.systemd) services timers;
    assertions = broken.config.assertions;
  };
}
