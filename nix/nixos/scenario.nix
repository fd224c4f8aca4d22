# Scenario -> the NixOS configuration of its drill guest, as plain data (builtins only, so it is
# tested offline: tests/nix/nixos). nix/nixos/guest.nix turns the result into a NixOS system with
# nixpkgs. The backup jobs come from the real modules (collector + backup) fed with the
# scenario's `services` and `backup`; this file adds only what a drill needs around them, the
# same things the Debian guest gets from the harness:
#   - probe services for the units the jobs stop (they log their starts and stops, so the drill
#     proves the units were down while restic read their data), placeholder timers;
#   - journal markers around each job's restic commands (the Debian guest's run-<job>.sh logs
#     them itself; nixpkgs' restic unit runs restic directly);
#   - the directories of the password, environment and metrics files (the drill writes a fresh
#     password per run into the password file; it is never in the store).
#
#   toGuest { name; scenario; }        -> { ok; errors; name; config; jobs; markers; probeServices;
#                                           probeTimers; directories; memoryMiB; vcpus; }  (never throws)
#   toGuestOrThrow { name; scenario; } -> the same, or throws every error at once
let
  inherit (builtins)
    concatMap
    concatStringsSep
    elem
    filter
    foldl'
    isAttrs
    isString
    length
    listToAttrs
    map
    match
    substring
    stringLength
    ;

  nixdrill = import ../lib;

  hasSuffix = suffix: s: stringLength s >= stringLength suffix && substring (stringLength s - stringLength suffix) (stringLength suffix) s == suffix;
  removeSuffix = suffix: s: substring 0 (stringLength s - stringLength suffix) s;
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  dirOf' = p: let m = match "(.*)/[^/]*" p; in if m == null || builtins.head m == "" then "/" else builtins.head m;

  # What the probe units do; the same as the Debian guest's (harness/engine/drill_runner.cpp).
  probeLog = unit: "/var/log/nixdrill-probe/${unit}";
  # Started at boot too, as the Debian guest's enabled probes: a drill that power-cycles the
  # guest finds them running again.
  probeService = unit: {
    description = "nixdrill probe service ${unit}";
    wantedBy = [ "multi-user.target" ];
    preStart = "mkdir -p /var/log/nixdrill-probe; echo start $(cut -d' ' -f1 /proc/uptime) >> ${probeLog unit}";
    script = "exec sleep infinity";
    postStop = "echo stop $(cut -d' ' -f1 /proc/uptime) >> ${probeLog unit}";
  };

  toGuest =
    { name, scenario }:
    let
      services = scenario.services or { };
      hasBackup = isAttrs (scenario.backup or null);
      drill = scenario.drill or null;
      guestKind = if isAttrs drill then drill.guest or "debian" else null;

      collectorErrors = nixdrill.validate services;
      backupErrors =
        if collectorErrors != [ ] || !hasBackup then [ ] else nixdrill.backup.validate { inherit services; config = scenario.backup; };
      rendered =
        if collectorErrors == [ ] && backupErrors == [ ] && hasBackup then
          nixdrill.backup.renderBackups { inherit services; config = scenario.backup; hostName = hostName; }
        else
          { jobs = { }; jobOrder = [ ]; };
      jobs = map (n: rendered.jobs.${n}) rendered.jobOrder;

      units = unique (concatMap (j: j.systemdUnits) jobs);
      serviceUnits = filter (hasSuffix ".service") units;
      timerUnits = filter (hasSuffix ".timer") units;
      otherUnits = filter (u: !(hasSuffix ".service" u) && !(hasSuffix ".timer" u)) units;

      localRepository = j: isString j.repository && substring 0 1 j.repository == "/";

      errors =
        map (e: "${name}: ${e}") (
          (if isAttrs drill then [ ] else [ "has no drill section: only drill scenarios have guests" ])
          ++ (if !hasBackup then [ "has no backup section: a drill guest runs the backup module's jobs" ] else [ ])
          ++ (
            if guestKind != null && !(elem guestKind [ "debian" "nixos" ]) then
              [ "drill.guest: unknown guest kind \"${toString guestKind}\" (known: debian, nixos)" ]
            else
              [ ]
          )
          ++ collectorErrors
          ++ backupErrors
          ++ map (u: "unit ${u}: only .service and .timer units can be simulated in the guest") otherUnits
          ++ map (j: "job ${j.name}: repository ${toString j.repository} is not a local path in the guest (drills never write outside their own disks)") (
            filter (j: !localRepository j) jobs
          )
        );

      hostName = "nixdrill-guest";
      ok = errors == [ ];
    in
    {
      inherit ok errors name;
      # NixOS option values, merged into the guest system.
      config = {
        networking.hostName = hostName;
        qgroget.serviceModules = services;
      } // (if hasBackup then { modules.backup = scenario.backup; } else { });
      jobs = map (j: j.name) jobs;
      # ExecStart entries put around each job's restic commands (mkBefore / mkAfter): the drill
      # reads restic's window from these lines in the job's journal.
      markers = listToAttrs (
        map (j: {
          name = "restic-backups-${j.name}";
          value = {
            starting = "nixdrill[${j.name}]: restic backup starting";
            finished = "nixdrill[${j.name}]: restic backup finished";
          };
        }) jobs
      );
      probeServices =
        listToAttrs (
          map (u: {
            name = removeSuffix ".service" u;
            value = probeService u;
          }) serviceUnits
        )
        # A listed timer's service, unless that service is a probe itself: does nothing.
        // listToAttrs (
          map (u: {
            name = removeSuffix ".timer" u;
            value = {
              description = "nixdrill placeholder for ${u}";
              serviceConfig.Type = "oneshot";
              script = "true";
            };
          }) (filter (u: !(elem "${removeSuffix ".timer" u}.service" serviceUnits)) timerUnits)
        );
      probeTimers = listToAttrs (
        map (u: {
          name = removeSuffix ".timer" u;
          value.timerConfig.OnCalendar = "yearly";
        }) timerUnits
      );
      directories = unique (
        concatMap (
          j:
          [ (dirOf' j.passwordFile) ]
          ++ (if j.environmentFile != null then [ (dirOf' j.environmentFile) ] else [ ])
          ++ (if j.metricsFile != null then [ (dirOf' j.metricsFile) ] else [ ])
          ++ (if localRepository j then [ (dirOf' j.repository) ] else [ ])
        ) (filter (j: isString j.passwordFile) jobs)
      );
      memoryMiB = if isAttrs drill then drill.memoryMiB or 1024 else 1024;
      vcpus = if isAttrs drill then drill.vcpus or 1 else 1;
    };

  toGuestOrThrow =
    args:
    let
      g = toGuest args;
    in
    if g.ok then
      g
    else
      throw "nixdrill guest ${args.name}: ${toString (length g.errors)} problem(s):\n- ${concatStringsSep "\n- " g.errors}";
in
{
  inherit toGuest toGuestOrThrow;
  # The scenario name of a file, as the harness names it: its `name`, else its base name
  # without .json.
  scenarioName = file: (builtins.fromJSON (builtins.readFile file)).name or (removeSuffix ".json" (baseNameOf (toString file)));
}
