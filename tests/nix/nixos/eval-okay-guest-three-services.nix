# The drill guest of scenarios/drills/drill-three-services.json: the contracts and backup settings
# go to the modules unchanged, one probe per unit the jobs stop, markers per job, the
# directories of the password and metrics files and of the repository.
let
  g = (import ../../../nix/nixos/scenario.nix).toGuest {
    name = "drill-three-services";
    scenario = builtins.fromJSON (builtins.readFile ../../../scenarios/drills/drill-three-services.json);
  };
  scenario = builtins.fromJSON (builtins.readFile ../../../scenarios/drills/drill-three-services.json);
in
{
  inherit (g) ok errors jobs directories memoryMiB vcpus;
  servicesUnchanged = g.config.qgroget.serviceModules == scenario.services;
  backupUnchanged = g.config.modules.backup == scenario.backup;
  hostName = g.config.networking.hostName;
  probes = builtins.attrNames g.probeServices;
  wikiProbe = g.probeServices.wiki;
  timers = g.probeTimers;
  markers = g.markers."restic-backups-service-wiki";
}
