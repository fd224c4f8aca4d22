# `nixdrill eval --nixpkgs`: the scenarios through nixdrill's NixOS modules and nixpkgs' real
# module system (./module-system.nix), in the shape of ./batch.nix's outputs so the harness can
# compare the two evaluations field by field.
#
# nixpkgsLib: nixpkgs' lib directory (the one holding default.nix).
# inputFile: the same JSON list batch.nix reads ({ id; services; backup ? {...}; ... }).
# Result: a list, in input order, of
#   { id; status = "ok"; value = { collector = ...; backup = ...; }; }   no assertion failed
#   { id; status = "invalid"; errors = [ failed assertion messages ]; }
#   { id; status = "threw"; }     the module system threw (an option type, an unknown option);
#                                  re-evaluated alone with strict = true for Nix's message
# What `value` holds, each field from where the module system puts it:
#   collector.backups / backupOrder / overlaps   qgroget.backups, qgroget.collector.*
#   collector.persistence                        environment.persistence."/persist".directories
#   backup                                       modules.backup.rendered (what nix/lib/backup.nix
#                                                rendered from the option values), except that each
#                                                job's fields that become NixOS options are read back
#                                                from those options: services.restic.backups.<job>.*
#                                                (commands without the "#!shell" line the module
#                                                adds), systemd.services.restic-backups-<job>.after
#                                                and .serviceConfig (the metrics hook from its
#                                                ExecStopPost)
#   containers.<name>                            modules.containerBackups.<name> (the scenario's
#                                                backupConfig as its `backup`): onCalendar, script
#                                                and packages read back from the <name>-backup
#                                                timer and service (a bad one throws, as in NixOS)
{
  nixpkgsLib,
  inputFile,
  strict ? false,
}:
let
  lib = import nixpkgsLib;
  inherit (import ./module-system.nix { inherit lib; }) evalWith pkgs;
  requests = builtins.fromJSON (builtins.readFile inputFile);

  force = v: builtins.deepSeq v v;
  attempt = v: if strict then { success = true; value = force v; } else builtins.tryEval (force v);
  stripModule = v: builtins.removeAttrs v [ "_module" ];
  shebang = "#!${pkgs.runtimeShell}\n";
  unscript = t: if lib.hasPrefix shebang t then lib.removePrefix shebang t else t;

  # A job as the NixOS options hold it, in nix/lib's vocabulary.
  jobView =
    c: name: j:
    let
      r = c.services.restic.backups.${name} or null;
      unit = c.systemd.services."restic-backups-${name}" or { };
      stopPost = (unit.serviceConfig or { }).ExecStopPost or [ ];
      # "-/nix/store/fake-restic-metrics-<job>\n<text>": the placeholder keeps the hook's text.
      hookEntry = lib.removePrefix "-" (builtins.head stopPost);
      hookText =
        if stopPost == [ ] then null else lib.removePrefix "${builtins.head (lib.splitString "\n" hookEntry)}\n" hookEntry;
    in
    if r == null then
      j // { nixosOption = "services.restic.backups.${name} is not set"; }
    else
      j
      // {
        # Snapshot jobs list their paths through dynamicFilesFrom; the option is empty by design.
        paths = if j.useSnapshots then j.paths else r.paths;
        inherit (r)
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
        backupPrepareCommand = unscript r.backupPrepareCommand;
        backupCleanupCommand = unscript r.backupCleanupCommand;
        after = unit.after or [ ];
        serviceConfig = builtins.removeAttrs (unit.serviceConfig or { }) [ "ExecStopPost" ];
        metricsHook = hookText;
      };

  evalOne =
    req:
    let
      hasBackup = req ? backup;
      containers = req.containers or { };
      e = evalWith {
        qgroget.serviceModules = req.services;
        networking.hostName = null;
        modules =
          lib.optionalAttrs hasBackup { backup = req.backup; }
          // lib.optionalAttrs (req ? containers) {
            containerBackups = builtins.mapAttrs (
              _: c:
              # optionPath is how nix/lib is told the option path; the module knows its own.
              builtins.removeAttrs c [
                "backupConfig"
                "optionPath"
              ]
              // {
                backup = c.backupConfig or { };
              }
            ) containers;
          };
      };
      c = e.config;
      failed = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
      rendered = c.modules.backup.rendered;
      extraJobs = builtins.attrNames (builtins.removeAttrs c.services.restic.backups (builtins.attrNames rendered.jobs));
      output =
        {
          collector = {
            backups = builtins.mapAttrs (_: stripModule) c.qgroget.backups;
            inherit (c.qgroget.collector) backupOrder;
            overlaps = map stripModule c.qgroget.collector.overlaps;
            persistence = c.environment.persistence."/persist".directories or [ ];
          };
        }
        // lib.optionalAttrs (req ? containers) {
          containers = builtins.mapAttrs (
            n: _:
            let
              service = c.systemd.services."${n}-backup" or null;
            in
            if service == null then
              { }
            else
              {
                onCalendar = c.systemd.timers."${n}-backup".timerConfig.OnCalendar;
                inherit (service) script;
                packages = service.path;
              }
          ) containers;
        }
        // lib.optionalAttrs hasBackup {
          backup =
            rendered
            // {
              jobs = builtins.mapAttrs (jobView c) rendered.jobs;
            }
            // lib.optionalAttrs (extraJobs != [ ]) { nixosOnlyJobs = extraJobs; };
        };
      checked = attempt failed;
      result = attempt output;
    in
    if !checked.success then
      { inherit (req) id; status = "threw"; }
    else if checked.value != [ ] then
      { inherit (req) id; status = "invalid"; errors = checked.value; }
    else if result.success then
      { inherit (req) id; status = "ok"; value = result.value; }
    else
      { inherit (req) id; status = "threw"; };
in
map evalOne requests
