# Hand-written restic.jobs beside collector registrations: registrations become service-<name>
# (tags: the service name, then backup.tags), hand-written jobs keep their name and tags,
# disabled ones vanish, and a service with no backupPaths registers nothing (collector rule).
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      vaultwarden = service "/var/lib/vaultwarden" [ "/var/lib/vaultwarden/attachments" "/etc/vaultwarden" ] // {
        backup.tags = [
          "critical"
          "secrets"
        ];
      };
      cache = service "/var/cache/app" [ ];
      off = service "/var/lib/off" [ "/srv/off" ] // {
        enable = false;
      };
    };
    config = merge baseConfig {
      restic.jobs = {
        system-config = {
          enable = true;
          paths = [
            "/etc/nixos"
            "/etc/systemd"
          ];
          tags = [
            "system"
            "configuration"
          ];
        };
        old = {
          enable = false;
          paths = [ "/old" ];
        };
      };
    };
  };
in
{
  inherit (r) errors jobOrder;
  jobs = pick [
    "kind"
    "source"
    "paths"
    "tags"
    "extraBackupArgs"
    "systemdUnits"
  ] r.jobs;
}
