# Evaluates the NixOS modules through the real module system (lib.evalModules) with stubs
# for the NixOS options they set (nix/eval/module-system.nix). Needs nixpkgs' lib: scripts/check-modules.sh PATH.
# Results (check-modules.sh fails unless all hold):
#   assertions     failed assertions of a valid configuration: none
#   undocumented   options of nix/modules without a description: none
#   noExample      options of nix/modules without an example, except booleans, read-only
#                  outputs and options whose default is the example (listed in `exampleNotMeaningful`)
#   badAssertions  messages of the assertions an invalid configuration fails: each starts with
#                  the option path it is about (checked in `withoutOptionPath`: none)
#   drill          the drill service of a drill using every option: its flags and timer
#   guests         for every drill scenario, the NixOS guest configuration (nix/nixos/scenario.nix)
#                  evaluated through the modules: the units the drill instruments (markers) are
#                  the ones the backup module generates, and no assertion fails
{ nixpkgsLib }:
let
  lib = import (nixpkgsLib + "/lib");
  # The stubs, placeholder pkgs and module list are the harness's (`nixdrill eval --nixpkgs`).
  inherit (import ../../nix/eval/module-system.nix { inherit lib; }) evalWith;

  eval = evalWith {
    environment.persistence."/persist".directories = [ "/etc/nixos" ];
    qgroget.serviceModules.nextcloud = {
      enable = true;
      dataDir = "/var/lib/nextcloud";
      backupPaths = [ "/srv/nc" ];
    };
    qgroget.serviceModules.postgresql = {
      enable = true;
      dataDir = "/var/lib/postgresql";
      priority = 10;
      backupPaths = [ "/var/backup/pg" ];
    };
    modules.backup = {
      enable = true;
      restic.repositories.nas = {
        url = "/mnt/nas";
        passwordFile = "/run/keys/pw";
        primary = true;
      };
      monitoring.prometheus.enable = true;
    };
    services.nixdrill.package = "nixdrill";
    services.nixdrill.drills.nas = {
      repository = "/mnt/nas";
      passwordFile = "/run/keys/pw";
      schedule = "0 4 * * 0";
    };
    # Every drill option set.
    services.nixdrill.drills.b2 = {
      repository = "b2:bucket:forge";
      passwordFile = "/run/secrets/restic-b2";
      environmentFile = "/run/secrets/restic-b2-env";
      schedule = "04:30";
      sample = "12.5%";
      readDataSubset = "5%";
      metricsDir = "/var/lib/prometheus-node-exporter";
      notify.ntfyTopic = "https://ntfy.example/forge";
      notify.healthchecksUrlFile = "/run/secrets/hc";
    };
    services.nixdrill.drills.full = {
      repository = "/mnt/nas";
      passwordFile = "/run/keys/pw";
      fullRestore = true;
    };
  };
  c = eval.config;

  # Every option declared in nix/modules (not the stubs above).
  ours = builtins.filter (
    o: builtins.any (d: lib.hasInfix "/nix/modules/" (toString d)) o.declarations
  ) (lib.optionAttrSetToDocList eval.options);
  # Options whose default says all an example would (the declared value is the useful one).
  exampleNotMeaningful = [
    "services.nixdrill.drills.<name>.metricsDir"
    "modules.backup.monitoring.prometheus.metricsDir"
  ];
  # Outputs the collector computes (read-only as a whole) need none either.
  computed = o: lib.hasPrefix "qgroget.backups." o.name || lib.hasPrefix "qgroget.collector." o.name;
  needsExample =
    o:
    o.visible or true
    && !(o.readOnly or false)
    && !(computed o)
    && o.type != "boolean"
    && !(lib.hasPrefix "Whether to enable" (o.description or ""))
    && !(builtins.elem o.name exampleNotMeaningful);

  bad = evalWith {
    qgroget.serviceModules.app = {
      enable = true;
      dataDir = "relative/path";
    };
    modules.backup = {
      enable = true;
      schedule = "sometimes";
      restic.repositories.nas.url = "/mnt/nas";
    };
    services.nixdrill.package = "nixdrill";
    services.nixdrill.drills.nas = {
      repository = "/mnt/nas";
      passwordFile = "relative";
      schedule = "whenever";
      sample = "150%";
    };
  };
  badAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) bad.config.assertions);
  optionPath = m: builtins.match "(qgroget|modules|services)\\.[A-Za-z0-9_.\"<>-]+: .*" (builtins.head (lib.splitString "\n" m)) != null;

  # The drill scenarios' guest configurations through the real modules.
  scenarioDir = ../../scenarios/drills;
  guests = builtins.listToAttrs (
    map (
      file:
      let
        path = scenarioDir + "/${file}";
        g = (import ../../nix/nixos/scenario.nix).toGuestOrThrow {
          name = file;
          scenario = builtins.fromJSON (builtins.readFile path);
        };
        e = (evalWith g.config).config;
        generated = builtins.attrNames e.systemd.services;
      in
      {
        name = file;
        value = {
          assertions = map (a: a.message) (builtins.filter (a: !a.assertion) e.assertions);
          markersOnGeneratedUnits = builtins.all (u: builtins.elem u generated) (builtins.attrNames g.markers);
          jobsAreResticBackups = builtins.sort builtins.lessThan g.jobs == builtins.attrNames e.services.restic.backups;
        };
      }
    ) (builtins.filter (lib.hasSuffix ".json") (builtins.attrNames (builtins.readDir scenarioDir)))
  );

  drillScript = name: c.systemd.services."nixdrill-drill-${name}".serviceConfig.ExecStart;
in
{
  persistence = c.environment.persistence."/persist".directories;
  backups = builtins.attrNames c.qgroget.backups;
  assertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  restic = builtins.attrNames c.services.restic.backups;
  services = builtins.attrNames c.systemd.services;
  timers = builtins.attrNames c.systemd.timers;
  options = builtins.length ours;
  undocumented = map (o: o.name) (builtins.filter (o: (o.description or null) == null || o.description == "") ours);
  noExample = map (o: o.name) (builtins.filter (o: needsExample o && !(o ? example)) ours);
  inherit badAssertions guests;
  withoutOptionPath = builtins.filter (m: !optionPath m) badAssertions;
  # A percentage above 100 passes the option's type and fails the lib's check, by option path.
  badSample = builtins.any (lib.hasPrefix "services.nixdrill.drills.nas.sample: ") badAssertions;
  drill = {
    b2 = builtins.map (f: lib.hasInfix f (drillScript "b2")) [
      "'--sample' '12.5%'"
      "'--read-data-subset' '5%'"
      "'--environment-file' '/run/secrets/restic-b2-env'"
      "'--metrics-dir' '/var/lib/prometheus-node-exporter'"
      "https://ntfy.example/forge"
      "/run/secrets/hc"
    ];
    fullRestore = lib.hasInfix "'--full'" (drillScript "full") && !(lib.hasInfix "'--sample'" (drillScript "full"));
    b2Timer = c.systemd.timers.nixdrill-drill-b2.timerConfig.OnCalendar;
    nasTimer = c.systemd.timers.nixdrill-drill-nas.timerConfig.OnCalendar;
  };
}
