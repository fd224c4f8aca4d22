# Timer units the jobs stop get a placeholder timer and a do-nothing service, unless the
# service of the same name is stopped too (then it is a probe); a unit named in two jobs gets
# one probe.
let
  g = (import ../../../nix/nixos/scenario.nix).toGuest {
    name = "timers";
    scenario = {
      services = {
        app = { enable = true; dataDir = "/var/lib/app"; backupPaths = [ "/var/lib/app" ]; systemdUnits = [ "app.service" "app-cron.timer" "shared.service" ]; };
        db = { enable = true; dataDir = "/var/lib/db"; backupPaths = [ "/var/lib/db" ]; systemdUnits = [ "db.timer" "db.service" "shared.service" ]; priority = 10; };
      };
      backup = {
        enable = true;
        restic.repositories.r = { url = "/srv/repo"; passwordFile = "/etc/restic/pw"; environmentFile = "/etc/restic/env"; primary = true; };
      };
      drill = { guest = "nixos"; steps = [ { action = "backup"; } ]; };
    };
  };
in
{
  inherit (g) ok errors jobs directories memoryMiB vcpus;
  probes = builtins.mapAttrs (_: s: s.description) g.probeServices;
  appCron = g.probeServices.app-cron;
  inherit (g) probeTimers;
}
