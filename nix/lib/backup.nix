# nixdrill backup library: service registrations + modules.backup settings -> restic job specs,
# pure Nix (builtins only). One function renders everything a job becomes (the NixOS module's
# services.restic.backups/systemd.services values AND the self-contained scripts and unit
# texts the VM drills install), so the two can never disagree.
#
# Entry points (args = { services ? {}; backups ? null; config ? {}; hostName ? null; }):
#   renderBackups args        -> { ok; errors; assertions; jobs; jobOrder; metricsFiles; files; }
#                                never throws; jobs/jobOrder/files are empty unless ok.
#   validate args             -> [ "<option path>: <problem>" ... ]     (never throws)
#   renderBackupsOrThrow args -> renderBackups' result, or throws every error at once.
#
#   services: qgroget.serviceModules contracts (validated and collected with the collector);
#   backups:  the collector's `backups` output, when the caller has it already (NixOS module);
#   config:   modules.backup option values as a plain attrset; absent options take the
#             defaults below (the same as the NixOS options);
#   hostName: `hostname` label of the metrics; null = `uname -n` when the hook runs.
# Semantics, fields and metrics: docs/backup-module.md.
{ collector }:
let
  inherit (builtins)
    any
    attrNames
    concatMap
    concatStringsSep
    elem
    elemAt
    filter
    genList
    head
    isAttrs
    isBool
    isFloat
    isInt
    isList
    isString
    length
    listToAttrs
    map
    match
    sort
    stringLength
    substring
    toJSON
    typeOf
    ;

  schedule = import ./schedule.nix;
  shell = import ./scripts/shell.nix;
  # Consistency add-ons of a registration (docs/backup-module.md, "ZFS snapshots", "PostgreSQL").
  postgresLib = import ./postgres.nix;
  # restore-<job>.sh of a contract with postRestore (docs/backup-module.md, "Restore scripts").
  restoreLib = import ./restore.nix { inherit postgresLib shell; };
  snapshotsLib = import ./snapshots.nix;

  optionPrefix = "modules.backup";

  defaults = {
    enable = false;
    schedule = "02:00";
    restic = {
      repositories = { };
      globalSettings = {
        compression = "auto";
        readConcurrency = null;
        retryLock = null;
        retention = {
          daily = 14;
          weekly = 8;
          monthly = 6;
          yearly = 2;
        };
      };
      jobs = { };
    };
    monitoring.prometheus = {
      enable = false;
      metricsDir = "/var/lib/node_exporter/textfile_collector";
    };
  };

  repositoryDefaults = {
    url = null;
    passwordFile = null;
    environmentFile = null;
    primary = false;
  };

  # Hand-written jobs. `priority` and `systemdUnits` are nixdrill additions (registrations have
  # them through the collector); a job you define is meant to run, hence enable = true.
  jobDefaults = {
    enable = true;
    paths = [ ];
    repository = null;
    tags = [ ];
    excludePatterns = [ ];
    preBackupScript = null;
    postBackupScript = null;
    resources = {
      memory = null;
      cpus = null;
    };
    priority = 100;
    systemdUnits = [ ];
  };

  retentionKeys = [
    "daily"
    "weekly"
    "monthly"
    "yearly"
  ];

  # ---------------------------------------------------------------------------------------
  # Small helpers
  # ---------------------------------------------------------------------------------------

  # Option path component as nixpkgs shows it: quoted unless a plain identifier.
  showPart = s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else toJSON s;

  optional = c: xs: if c then xs else [ ];

  # Scalars are shown as they were written ("got -1"), anything else by its type.
  describe =
    v:
    if isInt v || isFloat v || isBool v || isString v || v == null then
      toJSON v
    else
      {
        list = "a list";
        set = "an attribute set";
        lambda = "a function";
        path = "a path";
      }
      .${typeOf v} or (typeOf v);

  expected = opt: what: v: [ "${opt}: expected ${what}, got ${describe v}" ];

  # Defaults applied recursively: nested attrsets given by the user are completed, not replaced.
  complete =
    d: v:
    if isAttrs d && isAttrs v && d != { } then
      listToAttrs (
        map (n: {
          name = n;
          value = if v ? ${n} then complete d.${n} v.${n} else d.${n};
        }) (attrNames d)
      )
      // removeAttrsBy d v
    else
      v;
  # Attributes of v that d does not know (kept so validation can report them).
  removeAttrsBy = d: v: builtins.removeAttrs v (attrNames d);

  isSafeName = name: match "[A-Za-z0-9][A-Za-z0-9_.@-]*" name != null;
  # restic tags are comma-separated on its command line; we also keep them free of spaces so
  # the nixpkgs module's unquoted extraBackupArgs stay one word each.
  isSafeTag = t: isString t && match "[A-Za-z0-9][A-Za-z0-9_.:@+=/-]*" t != null;

  hasNewline = s: match "[^\n]*\n.*" s != null;

  # ---------------------------------------------------------------------------------------
  # Validation (never throws; types are checked before values are used)
  # ---------------------------------------------------------------------------------------

  unknownOption = opt: _: [ "${opt}: unknown option (nixdrill does not implement it)" ];

  checkFields =
    checkers: opt: v:
    if !isAttrs v then
      expected opt "an attribute set" v
    else
      concatMap (f: (checkers.${f} or unknownOption) "${opt}.${showPart f}" v.${f}) (attrNames v);

  checkBool = opt: v: if isBool v then [ ] else expected opt "a boolean" v;
  checkStr = opt: v: if isString v && v != "" then [ ] else expected opt "a non-empty string" v;
  checkStrOrNull = opt: v: if v == null || isString v then [ ] else expected opt "a string or null" v;
  checkInt = opt: v: if isInt v then [ ] else expected opt "an integer" v;
  checkNonNegInt = opt: v: if isInt v && v >= 0 then [ ] else expected opt "a non-negative integer" v;

  checkAbsPath =
    opt: v:
    if !isString v then
      expected opt "an absolute path string" v
    else if substring 0 1 v != "/" then
      [ "${opt}: ${toJSON v} is not an absolute path" ]
    else if hasNewline v then
      [ "${opt}: ${toJSON v} contains a newline" ]
    else
      [ ];

  checkListOf =
    check: opt: v:
    if !isList v then
      expected opt "a list" v
    else
      concatMap (i: check "${opt}[${toString i}]" (elemAt v i)) (genList (i: i) (length v));

  checkTag =
    opt: v: if isSafeTag v then [ ] else [ "${opt}: tag ${toJSON v} must match [A-Za-z0-9][A-Za-z0-9_.:@+=/-]*" ];

  checkExclude =
    opt: v:
    if !isString v || v == "" then
      expected opt "a non-empty string" v
    else if hasNewline v then
      [ "${opt}: ${toJSON v} contains a newline (restic reads excludes one per line)" ]
    else
      [ ];

  # restic backends: local absolute path, or one of its URL prefixes.
  checkUrl =
    opt: v:
    if !isString v || v == "" then
      [ "${opt}: must be set to a local path or a restic URL (sftp:, s3:, b2:, rest:, ...)" ]
    else if substring 0 1 v == "/" || match "(sftp|s3|b2|rest|azure|gs|swift|rclone):.+" v != null then
      (if hasNewline v then [ "${opt}: contains a newline" ] else [ ])
    else
      [
        "${opt}: ${toJSON v} is neither an absolute local path nor a URL starting with sftp:, s3:, b2:, rest:, azure:, gs:, swift: or rclone:"
      ];

  checkPasswordFile =
    opt: v:
    if v == null || v == "" then
      [ "${opt}: is missing; every repository needs a password file (restic cannot run without it)" ]
    else if !isString v then
      expected opt "a path string" v
    else
      [ ];

  checkEnvFile =
    opt: v:
    if v == null then
      [ ]
    else if !isString v || v == "" then
      expected opt "null or a non-empty path string" v
    else
      [ ];

  # url and passwordFile have no default: absent is checked like null.
  checkRepository =
    opt: v:
    checkFields {
      url = checkUrl;
      passwordFile = checkPasswordFile;
      environmentFile = checkEnvFile;
      primary = checkBool;
    } opt v
    ++ optional (isAttrs v && !(v ? passwordFile)) (checkPasswordFile "${opt}.passwordFile" null)
    ++ optional (isAttrs v && !(v ? url)) (checkUrl "${opt}.url" null);

  # systemd size: bytes, K/M/G/T (any case; systemd wants upper case), a percentage, infinity.
  memoryMax =
    v:
    let
      m = if isString v then match "([0-9]+)([KMGTkmgt]?)" v else null;
      upper = {
        "" = "";
        k = "K";
        m = "M";
        g = "G";
        t = "T";
        K = "K";
        M = "M";
        G = "G";
        T = "T";
      };
    in
    if isInt v && v > 0 then
      toString v
    else if m != null && match "0+" (head m) == null then
      head m + upper.${elemAt m 1}
    else if isString v && (match "[0-9]{1,3}%" v != null || v == "infinity") then
      v
    else
      null;

  # CPUs as a decimal ("0.25", 2, 1.5) -> CPUQuota percent ("25%"); at most 2 decimals.
  cpuQuota =
    v:
    let
      s = if isInt v || isFloat v then toString v else if isString v then v else "";
      m = match "([0-9]+)(\\.([0-9]*[1-9])?0*)?" s;
      frac = if m == null || elemAt m 2 == null then "" else elemAt m 2;
      intPart = if m == null then 0 else builtins.fromJSON (toString (stripZeros (head m)));
      fracPct = if frac == "" then 0 else if stringLength frac == 1 then 10 * digit frac else builtins.fromJSON (stripZeros frac);
      pct = intPart * 100 + fracPct;
    in
    if m == null || stringLength frac > 2 || stringLength (head m) > 4 || pct == 0 then null else "${toString pct}%";
  digit = c: builtins.fromJSON c;
  # "007" -> "7", "00" -> "0" (fromJSON rejects leading zeros).
  stripZeros =
    s:
    let
      m = match "0*([0-9]+)" s;
    in
    if m == null then s else if head m == "" then "0" else head m;

  checkResources = checkFields {
    memory =
      opt: v:
      if v == null || memoryMax v != null then
        [ ]
      else
        [ "${opt}: ${toJSON v} is not a memory size (e.g. \"512m\", \"2G\", \"50%\", \"infinity\")" ];
    cpus =
      opt: v:
      if v == null || cpuQuota v != null then
        [ ]
      else
        [ "${opt}: ${toJSON v} is not a positive CPU count with at most two decimals (e.g. \"0.5\", \"2.0\")" ];
  };

  checkJob =
    opt: name: v:
    (optional (!isSafeName name) [
      "${opt}: job name ${toJSON name} is not safe in a systemd unit name (allowed: A-Z a-z 0-9 _ . @ -, starting with a letter or digit)"
    ])
    ++ checkFields {
      enable = checkBool;
      paths = o: p: (if isList p && p == [ ] && (v.enable or true) == true then [ "${o}: is empty; an enabled job needs at least one path" ] else [ ]) ++ checkListOf checkAbsPath o p;
      repository = checkStrOrNull;
      tags = checkListOf checkTag;
      excludePatterns = checkListOf checkExclude;
      preBackupScript = checkStrOrNull;
      postBackupScript = checkStrOrNull;
      resources = checkResources;
      priority = checkInt;
      systemdUnits = checkListOf checkStr;
    } opt v
    ++ optional (isAttrs v && !(v ? paths) && (v.enable or true) == true) [
      "${opt}.paths: is not set; an enabled job needs at least one path"
    ];

  checkGlobal = checkFields {
    compression =
      opt: v:
      if v == null || elem v [ "auto" "off" "max" ] then [ ] else [ "${opt}: ${toJSON v} is not one of \"auto\", \"off\", \"max\" (or null)" ];
    readConcurrency = opt: v: if v == null || (isInt v && v > 0) then [ ] else expected opt "a positive integer or null" v;
    retryLock =
      opt: v:
      if v == null || (isString v && match "([0-9]+(ns|us|ms|s|m|h))+" v != null) then
        [ ]
      else
        [ "${opt}: ${toJSON v} is not a Go duration such as \"5m\" or \"1h30m\" (or null)" ];
    retention = checkFields (listToAttrs (
      map (k: {
        name = k;
        value = checkNonNegInt;
      }) retentionKeys
    ));
  };

  checkAttrsOf =
    check: opt: v:
    if !isAttrs v then expected opt "an attribute set" v else concatMap (n: check "${opt}.${showPart n}" n v.${n}) (attrNames v);

  checkConfig = checkFields {
    enable = checkBool;
    schedule =
      opt: v:
      let
        r = schedule.convert opt v;
      in
      optional (r.error != null) [ r.error ];
    restic = checkFields {
      repositories = checkAttrsOf (opt: _: checkRepository opt);
      globalSettings = checkGlobal;
      jobs = checkAttrsOf checkJob;
    };
    monitoring = checkFields {
      prometheus = checkFields {
        enable = checkBool;
        metricsDir = checkAbsPath;
      };
    };
  };

  # The collector's output when given directly (NixOS module path): shape only.
  checkBackups = checkAttrsOf (
    opt: _:
    checkFields {
      paths = checkListOf checkAbsPath;
      systemdUnits = checkListOf checkStr;
      priority = checkInt;
      exclude = checkListOf checkExclude;
      preBackup = checkStrOrNull;
      postBackup = checkStrOrNull;
      postRestore = checkStrOrNull;
      healthChecks = checkListOf (checkFields {
        service = checkStr;
        command = checkStr;
        expect = checkStrOrNull;
        timeout = opt: v: if isInt v && v >= 1 then [ ] else expected opt "an integer of at least 1 (seconds)" v;
      });
    } opt
  );

  # ---------------------------------------------------------------------------------------
  # Analysis: inputs -> job descriptions (only looked at when structurally valid)
  # ---------------------------------------------------------------------------------------

  analyse =
    {
      services ? { },
      backups ? null,
      config ? { },
      hostName ? null,
    }:
    let
      structural =
        collector.validate services
        ++ optional (backups != null) (checkBackups "qgroget.backups" backups)
        ++ checkConfig optionPrefix config
        ++ optional (hostName != null && !isString hostName) [ "hostName: expected a string or null" ];

      cfg = complete defaults config;
      repositories = builtins.mapAttrs (_: r: repositoryDefaults // r) cfg.restic.repositories;
      repoNames = attrNames repositories;
      primaries = filter (n: repositories.${n}.primary) repoNames;
      primary = if length primaries == 1 then head primaries else null;

      registrations = if backups != null then backups else (collector.collectUnchecked services).backups;
      contract = name: collector.withDefaults name (services.${name} or { });

      # An enabled service with backup.postgres but no backup paths still needs its dump job.
      pgOnly = filter (
        n:
        let
          c = contract n;
        in
        c.enable && c.backup.postgres != null && !(registrations ? ${n})
      ) (if isAttrs services then attrNames services else [ ]);
      registrationOf =
        name:
        registrations.${name} or (
          let
            c = contract name;
          in
          {
            paths = [ ];
            inherit (c) systemdUnits priority exclude preBackup postBackup;
          }
        );

      regJobs = map (
        name:
        let
          r = registrationOf name;
          c = contract name;
          pg = postgresLib.normalise name c.backup.postgres;
        in
        {
          name = "service-${name}";
          kind = "registration";
          source = name;
          repoOption = "qgroget.serviceModules.${showPart name}.backup.repository";
          repoRequested = c.backup.repository;
          # Snapshot jobs map these to the snapshot at run time; the PostgreSQL staging dir and
          # pgBackRest repository are backed up where they are.
          livePaths = r.paths;
          paths = dedupe (r.paths ++ (if pg == null then [ ] else postgresLib.extraPaths pg));
          postgres = pg;
          zfsDataset = c.backup.zfsDataset;
          exclude = r.exclude or [ ];
          tags = dedupe ([ name ] ++ c.backup.tags);
          tagOption = "qgroget.serviceModules.${showPart name}.backup.tags";
          systemdUnits = r.systemdUnits or [ ];
          preBackup = r.preBackup or null;
          postBackup = r.postBackup or null;
          postRestore = r.postRestore or null;
          healthChecks = r.healthChecks or [ ];
          priority = r.priority or 100;
          resources = jobDefaults.resources;
          snapshots = c.backup.useSnapshots;
        }
      ) (attrNames registrations ++ pgOnly);

      handJobs = concatMap (
        name:
        let
          j = complete jobDefaults cfg.restic.jobs.${name};
        in
        optional j.enable [
          {
            inherit name;
            kind = "manual";
            source = name;
            repoOption = "${optionPrefix}.restic.jobs.${showPart name}.repository";
            repoRequested = j.repository;
            inherit (j) paths tags priority systemdUnits resources;
            tagOption = "${optionPrefix}.restic.jobs.${showPart name}.tags";
            exclude = j.excludePatterns;
            preBackup = j.preBackupScript;
            postBackup = j.postBackupScript;
            postRestore = null;
            healthChecks = [ ];
            snapshots = false;
            livePaths = j.paths;
            postgres = null;
            zfsDataset = null;
          }
        ]
      ) (attrNames cfg.restic.jobs);

      allJobs = regJobs ++ handJobs;
      resolve = j: if j.repoRequested == null then primary else j.repoRequested;

      needPrimary = filter (j: j.repoRequested == null) allJobs;
      regNames = listToAttrs (
        map (j: {
          inherit (j) name;
          value = j.source;
        }) regJobs
      );

      # Like the NixOS module's assertions: a disabled module renders nothing, so nothing to check.
      semantic =
        if !cfg.enable then
          [ ]
        else
        optional (length primaries > 1) [
          "${optionPrefix}.restic.repositories: ${toString (length primaries)} repositories have primary = true (${concatStringsSep ", " primaries}); exactly one may be primary"
        ]
        ++ optional (primaries == [ ] && needPrimary != [ ]) [
          "${optionPrefix}.restic.repositories: no repository has primary = true, but these jobs use the primary repository: ${concatStringsSep ", " (dedupe (map (j: j.name) needPrimary))}"
        ]
        ++ concatMap (
          j:
          optional (j.repoRequested != null && !(repositories ? ${j.repoRequested})) [
            "${j.repoOption}: unknown repository ${toJSON j.repoRequested}; defined in ${optionPrefix}.restic.repositories: ${
              if repoNames == [ ] then "none" else concatStringsSep ", " repoNames
            }"
          ]
          ++ concatMap (
            t: optional (!isSafeTag t) [ "${j.tagOption}: tag ${toJSON t} must match [A-Za-z0-9][A-Za-z0-9_.:@+=/-]*" ]
          ) j.tags
        ) allJobs
        ++ concatMap (
          j:
          optional (j.kind == "manual" && regNames ? ${j.name}) [
            "${optionPrefix}.restic.jobs.${showPart j.name}: job name collides with the job generated for the registration of service ${toJSON regNames.${j.name}}"
          ]
        ) handJobs;

      errors = if structural != [ ] then structural else semantic;
    in
    {
      inherit
        errors
        cfg
        repositories
        allJobs
        resolve
        hostName
        ;
    };

  dedupe =
    xs:
    let
      first = listToAttrs (
        genList (i: {
          name = elemAt xs i;
          value = i;
        }) (length xs)
      );
    in
    concatMap (i: optional (first.${elemAt xs i} == i) [ (elemAt xs i) ]) (genList (i: i) (length xs));

  # ---------------------------------------------------------------------------------------
  # Rendering (valid input only)
  # ---------------------------------------------------------------------------------------

  # Credentials never reach labels or logs: drop the userinfo of URL-style repositories
  # ("rest:https://u:p@host/" -> "rest:https://host/", "sftp:u@host:/x" -> "sftp:host:/x").
  sanitizeRepositoryUrl =
    url:
    let
      # Credentials end at the LAST "@" before the path (as Go's url.Parse, which restic uses,
      # reads them): a password may itself contain "@".
      withScheme = match "(.*://)[^/]*@([^/@]*(/.*)?)" url;
      sftp = match "sftp:[^/]*@([^/@]*(/.*)?)" url;
    in
    if withScheme != null then
      elemAt withScheme 0 + elemAt withScheme 1
    else if sftp != null then
      "sftp:" + head sftp
    else
      url;

  unitBase = job: "restic-backups-${job}";

  prepareText =
    j:
    let
      rd = "/run/${unitBase j.name}";
    in
    concatStringsSep "\n" (
      [
        "# Job ${j.name}: record the start time (metrics), stop the units in order, run preBackup."
        "# Hooks run under bash with errexit, without nounset, wherever this text is embedded."
        "set -e +u"
        "nixdrill_runtime_dir=\${RUNTIME_DIRECTORY:-${rd}}"
        "mkdir -p \"$nixdrill_runtime_dir\""
        "date +%s >\"$nixdrill_runtime_dir/start\""
      ]
      ++ map (u: "systemctl stop ${shell.quote u}") j.systemdUnits
      ++ optional (j.preBackup != null) [
        "("
        # ":" keeps the subshell valid when the hook is empty or only comments.
        ":"
        j.preBackup
        ")"
      ]
      ++ optional j.useSnapshots (
        snapshotsLib.prepareLines {
          job = j.name;
          dataset = j.zfsDataset;
          paths = j.livePaths;
          extraPaths = filter (p: !(elem p j.livePaths)) j.paths;
          # Down only for as long as the snapshot takes (the policy of docs/backup-module.md).
          startUnits = map (u: "systemctl start ${shell.quote u}") (reverseList j.systemdUnits);
        }
      )
      ++ optional (j.postgres != null) (postgresLib.prepareLines j.name j.postgres)
    )
    + "\n";

  # Runs whatever happened before: every unit gets its start, failures are only reported.
  cleanupText =
    j:
    concatStringsSep "\n" (
      [
        "# Job ${j.name}: run postBackup, then start the units again in reverse order, whatever failed before."
        "set +eu"
        "nixdrill_rc=0"
      ]
      ++ optional (j.postBackup != null) [
        "("
        "set -e"
        ":"
        j.postBackup
        ")"
        "nixdrill_hook_rc=$?"
        "if [ \"$nixdrill_hook_rc\" -ne 0 ]; then"
        "  echo \"nixdrill[${j.name}]: postBackup failed (status $nixdrill_hook_rc)\" >&2"
        "  nixdrill_rc=$nixdrill_hook_rc"
        "fi"
      ]
      ++ optional (j.postgres != null) (postgresLib.cleanupLines j.name j.postgres)
      ++ optional j.useSnapshots (snapshotsLib.cleanupLines j.name)
      ++ map (u: "systemctl start ${shell.quote u} || nixdrill_rc=$?") (reverseList j.systemdUnits)
      ++ [ "exit \"$nixdrill_rc\"" ]
    )
    + "\n";

  reverseList = xs: genList (i: elemAt xs (length xs - 1 - i)) (length xs);

  # The metrics hook's configuration, shared by the standalone hook and run-<job>.sh.
  metricsVars = j: [
    {
      name = "NIXDRILL_JOB";
      value = j.name;
    }
    {
      name = "NIXDRILL_REPOSITORY_NAME";
      value = j.repositoryName;
    }
    {
      name = "NIXDRILL_REPOSITORY_URL";
      value = j.repositoryUrlLabel;
    }
    {
      name = "NIXDRILL_HOSTNAME";
      value = j.hostName;
    }
    {
      name = "NIXDRILL_METRICS_DIR";
      value = j.metricsDir;
    }
    {
      name = "NIXDRILL_RUNTIME_DIR";
      value = "/run/${unitBase j.name}";
    }
  ];

  metricsHookText =
    j:
    "# Metrics hook of backup job ${j.name} (ExecStopPost=), rendered by nixdrill.\n"
    + "set -uo pipefail\n"
    + shell.assignments (metricsVars j)
    + shell.body ./scripts/metrics-hook.sh
    + "\nnixdrill_metrics \"$@\"\n";

  healthScriptText =
    j:
    let
      column = f: map f j.healthChecks;
    in
    "#!/usr/bin/env bash\n"
    + "# Readiness checks of job ${j.name}'s services, rendered by nixdrill (nix/lib/backup.nix); re-render instead of editing.\n"
    + "set -uo pipefail\n"
    + shell.assignments [
      {
        name = "NIXDRILL_HEALTH_SERVICES";
        value = column (c: c.service);
      }
      {
        name = "NIXDRILL_HEALTH_COMMANDS";
        value = column (c: c.command);
      }
      {
        name = "NIXDRILL_HEALTH_EXPECTS";
        value = column (c: if c.expect == null then "" else c.expect);
      }
      {
        name = "NIXDRILL_HEALTH_TIMEOUTS";
        value = column (c: toString c.timeout);
      }
    ]
    + shell.body ./scripts/health-check.sh
    + "\nnixdrill_health_main \"$@\"\n";

  runScriptText =
    j:
    "#!/usr/bin/env bash\n"
    + "# Backup job ${j.name}, rendered by nixdrill (nix/lib/backup.nix); re-render instead of editing.\n"
    + "set -uo pipefail\n"
    + shell.assignments [
      {
        name = "RESTIC_REPOSITORY";
        value = j.repository;
      }
      {
        name = "RESTIC_PASSWORD_FILE";
        value = j.passwordFile;
      }
    ]
    + "export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE\n"
    + shell.assignments (
      metricsVars j
      ++ [
        {
          name = "NIXDRILL_ENVIRONMENT_FILE";
          value = j.environmentFile;
        }
        {
          name = "NIXDRILL_PATHS";
          value = j.paths;
        }
        {
          name = "NIXDRILL_EXCLUDES";
          value = j.exclude;
        }
        {
          name = "NIXDRILL_BACKUP_ARGS";
          value = j.extraBackupArgs;
        }
        {
          name = "NIXDRILL_PRUNE_ARGS";
          value = j.pruneArgs;
        }
        {
          name = "NIXDRILL_INITIALIZE";
          value = j.initialize;
        }
        {
          name = "NIXDRILL_METRICS";
          value = j.metricsHook != null;
        }
        {
          # Snapshot jobs: the paths restic reads are the ones prepare wrote to the runtime dir.
          name = "NIXDRILL_PATHS_FROM_RUNTIME_DIR";
          value = j.useSnapshots;
        }
      ]
    )
    + "\nnixdrill_prepare() (\n"
    + j.backupPrepareCommand
    + ")\n\nnixdrill_cleanup() (\n"
    + j.backupCleanupCommand
    + ")\n"
    + shell.body ./scripts/restic-job.sh
    + shell.body ./scripts/metrics-hook.sh
    + "\nnixdrill_main \"$@\"\n";

  serviceUnitText =
    j:
    let
      run = "run-${j.name}.sh";
      base = unitBase j.name;
    in
    concatStringsSep "\n" (
      [
        "[Unit]"
        "Description=restic backup job ${j.name} (rendered by nixdrill)"
        "Wants=network-online.target"
        "After=${concatStringsSep " " ([ "network-online.target" ] ++ j.after)}"
        ""
        "[Service]"
        "Type=oneshot"
        "RuntimeDirectory=${base}"
        "CacheDirectory=${base}"
        "CacheDirectoryMode=0700"
        "Environment=RESTIC_CACHE_DIR=%C/${base}"
        "ExecStartPre=${run} prepare"
        "ExecStart=${run} backup"
      ]
      # Metrics first and allowed to fail ("-"): a failing ExecStopPost= skips the ones after
      # it, and the units must be started again in every case.
      ++ optional (j.metricsHook != null) [ "ExecStopPost=-${run} metrics" ]
      ++ [ "ExecStopPost=${run} cleanup" ]
      ++ map (k: "${k}=${j.serviceConfig.${k}}") (attrNames j.serviceConfig)
    )
    + "\n";

  timerUnitText =
    j:
    concatStringsSep "\n" [
      "[Unit]"
      "Description=Timer of restic backup job ${j.name} (rendered by nixdrill)"
      ""
      "[Timer]"
      "OnCalendar=${j.timerConfig.OnCalendar}"
      "Persistent=true"
      "Unit=${unitBase j.name}.service"
      ""
      "[Install]"
      "WantedBy=timers.target"
    ]
    + "\n";

  render =
    a:
    let
      inherit (a) cfg repositories;
      gs = cfg.restic.globalSettings;
      prom = cfg.monitoring.prometheus;
      onCalendar = schedule.convertOrThrow "${optionPrefix}.schedule" cfg.schedule;

      keepArgs = concatMap (
        k:
        optional (gs.retention.${k} > 0) [
          "--keep-${k}"
          (toString gs.retention.${k})
        ]
      ) retentionKeys;
      retryArgs = optional (gs.retryLock != null) [
        "--retry-lock"
        gs.retryLock
      ];
      # Nothing to keep means nothing to forget: no prune step at all (as nixpkgs does).
      pruneArgs = optional (keepArgs != [ ]) (keepArgs ++ retryArgs);
      pairs = xs: genList (i: "${elemAt xs (2 * i)} ${elemAt xs (2 * i + 1)}") (length xs / 2);

      base =
        j:
        let
          repoName = a.resolve j;
          repo = repositories.${repoName};
          mem = if j.resources.memory == null then null else memoryMax j.resources.memory;
          cpu = if j.resources.cpus == null then null else cpuQuota j.resources.cpus;
        in
        rec {
          inherit (j)
            name
            kind
            source
            priority
            paths
            exclude
            tags
            systemdUnits
            preBackup
            postBackup
            postRestore
            livePaths
            postgres
            healthChecks
            ;
          useSnapshots = j.snapshots;
          zfsDataset = if j.snapshots then j.zfsDataset else null;
          # NixOS form: what restic reads comes from prepare (nixpkgs' dynamicFilesFrom).
          dynamicFilesFrom = if j.snapshots then "cat /run/${unitBase name}/paths" else null;
          restoreFile =
            if (j.postgres != null && j.postgres.databases != [ ]) || j.postRestore != null then
              "restore-${name}.sh"
            else
              null;
          pitrFile = if j.postgres != null && j.postgres.pgbackrest.enable then "pitr-${name}.sh" else null;
          healthFile = if j.healthChecks != [ ] then "health-${name}.sh" else null;
          repositoryName = repoName;
          repository = repo.url;
          repositoryUrlLabel = sanitizeRepositoryUrl repo.url;
          inherit (repo) passwordFile environmentFile;
          initialize = true;
          extraBackupArgs =
            concatMap (t: [
              "--tag"
              t
            ]) j.tags
            ++ optional (gs.compression != null) [
              "--compression"
              gs.compression
            ]
            # restic 0.14 (Debian 12) lacks --read-concurrency and --retry-lock: only when asked.
            ++ optional (gs.readConcurrency != null) [
              "--read-concurrency"
              (toString gs.readConcurrency)
            ]
            ++ retryArgs;
          inherit pruneArgs;
          pruneOpts = pairs pruneArgs;
          timerConfig = {
            OnCalendar = onCalendar;
            Persistent = true;
          };
          unitName = "${unitBase name}.service";
          timerName = "${unitBase name}.timer";
          serviceConfig =
            (if mem == null then { } else { MemoryMax = mem; }) // (if cpu == null then { } else { CPUQuota = cpu; });
          hostName = a.hostName;
          metricsDir = prom.metricsDir;
          metricsFile = if prom.enable then "${prom.metricsDir}/restic-${name}.prom" else null;
        };

      before = x: y: x.priority < y.priority || (x.priority == y.priority && x.name < y.name);
      ordered = sort before (map base a.allJobs);

      # After every job of a lower priority number (databases first), and after the earlier
      # jobs of the same priority on the same repository: restic's prune needs an exclusive
      # lock and restic 0.14 has no --retry-lock, so those must not overlap. Every edge points
      # to an earlier job in `ordered`, hence no cycles.
      withOrder =
        j:
        let
          prev = filter (
            k: k.priority < j.priority || (k.priority == j.priority && k.repositoryName == j.repositoryName && k.name < j.name)
          ) ordered;
          full = j // {
            after = map (k: k.unitName) prev;
            backupPrepareCommand = prepareText j;
            backupCleanupCommand = cleanupText j;
            metricsHook = if prom.enable then metricsHookText j else null;
          };
        in
        full;

      jobList = map withOrder ordered;
    in
    {
      jobs = listToAttrs (
        map (j: {
          inherit (j) name;
          value = j;
        }) jobList
      );
      jobOrder = map (j: j.name) jobList;
      metricsFiles = listToAttrs (
        concatMap (
          j:
          optional (j.metricsFile != null) [
            {
              inherit (j) name;
              value = j.metricsFile;
            }
          ]
        ) jobList
      );
      files = listToAttrs (
        concatMap (j: [
          {
            name = "run-${j.name}.sh";
            value = runScriptText j;
          }
          {
            name = "${unitBase j.name}.service";
            value = serviceUnitText j;
          }
          {
            name = "${unitBase j.name}.timer";
            value = timerUnitText j;
          }
        ]
        ++ optional (j.restoreFile != null) [
          {
            name = j.restoreFile;
            value =
              if j.postRestore != null then
                restoreLib.restoreScript j
              else
                postgresLib.restoreScript {
                  job = j.name;
                  pg = j.postgres;
                  inherit (j) repository passwordFile environmentFile;
                };
          }
        ]
        ++ optional (j.healthFile != null) [
          {
            name = j.healthFile;
            value = healthScriptText j;
          }
        ]
        ++ optional (j.pitrFile != null) [
          {
            name = j.pitrFile;
            value = postgresLib.pitrScript {
              job = j.name;
              pg = j.postgres;
              inherit (j) repository passwordFile environmentFile;
            };
          }
        ]) jobList
      );
    };

  renderBackups =
    args:
    let
      a = analyse args;
      ok = a.errors == [ ];
      enabled = ok && a.cfg.enable;
      r = if enabled then render a else null;
    in
    {
      inherit ok;
      inherit (a) errors;
      assertions = map (message: {
        assertion = false;
        inherit message;
      }) a.errors;
      jobs = if enabled then r.jobs else { };
      jobOrder = if enabled then r.jobOrder else [ ];
      metricsFiles = if enabled then r.metricsFiles else { };
      files = if enabled then r.files else { };
    };

  validate = args: (analyse args).errors;

  renderBackupsOrThrow =
    args:
    let
      r = renderBackups args;
    in
    if r.ok then
      r
    else
      throw "nixdrill backup: ${toString (length r.errors)} problem(s):\n- ${concatStringsSep "\n- " r.errors}";
in
{
  inherit
    renderBackups
    renderBackupsOrThrow
    validate
    defaults
    sanitizeRepositoryUrl
    memoryMax
    cpuQuota
    ;
}
