# nixdrill container backup utilities, pure Nix (builtins only): tar/zip archives of a
# container's data, stopped around the archiving, copied to several destinations with
# retention. Shapes follow the "Container Backup Utilities" design (docs/backup-module.md).
#
# NixOS helpers (throw every problem at once, messages name the option path):
#   mkBackupService { name; serviceName; dataPaths; user; group; backupConfig; optionPath ? "backupConfig"; path ? [ ]; }
#     -> a systemd.services.<name>-backup value (oneshot, `script` = the rendered shell)
#   mkBackupTimer { name; backupConfig; optionPath ? "backupConfig"; }
#     -> a systemd.timers.<name>-backup value (OnCalendar converted from the cron schedule)
#   mkBackupDirectories { backupConfig; user; group; mode ? "0750"; optionPath ? "backupConfig"; }
#     -> systemd.tmpfiles.rules lines creating every destination
# For the harness (never throw):
#   validate args -> [ message ... ]          (args as for mkBackupService)
#   render args   -> { ok; errors; onCalendar; script; packages; settings; files = { "<name>-backup.sh"; ".service"; ".timer"; }; }
#                    (settings: the script's values with defaults applied, for drills)
let
  inherit (builtins)
    attrNames
    concatMap
    concatStringsSep
    elem
    elemAt
    genList
    isAttrs
    isBool
    isInt
    isList
    isString
    length
    match
    substring
    toJSON
    typeOf
    ;

  cron = import ./cron.nix;
  shell = import ./scripts/shell.nix;

  # The seed's option defaults; `paths` has none: a backup needs somewhere to go.
  configDefaults = {
    enable = false;
    paths = [ ];
    schedule = "0 2 * * *";
    format = "tar.gz";
    maxRetentionDays = 0;
    retentionSnapshots = 7;
  };

  formats = [
    "tar.gz"
    "tar.xz"
    "tar.bz2"
    "zip"
  ];

  # nixpkgs attribute names of the tools each format needs on PATH (for the NixOS module;
  # coreutils/findutils/systemd are in every unit's default path).
  packagesFor =
    format:
    {
      "tar.gz" = [
        "gnutar"
        "gzip"
      ];
      "tar.xz" = [
        "gnutar"
        "xz"
      ];
      "tar.bz2" = [
        "gnutar"
        "bzip2"
      ];
      zip = [ "zip" ];
    }
    .${format} or [ ];

  optional = c: xs: if c then xs else [ ];
  describe = v: if isString v then "a string" else if isInt v then "an integer" else if isBool v then "a boolean" else if isList v then "a list" else if isAttrs v then "an attribute set" else typeOf v;

  # Unit, file and archive names are derived from `name`; no dots at the start, no slashes.
  isSafeName = n: isString n && match "[A-Za-z0-9][A-Za-z0-9_.-]*" n != null;
  isAccount = n: isString n && match "[A-Za-z0-9_][A-Za-z0-9_.-]*[$]?" n != null;

  # Absolute, no whitespace (tmpfiles.d splits on it), not "/" itself.
  checkPath =
    opt: p:
    if !isString p then
      [ "${opt}: expected an absolute path string, got ${describe p}" ]
    else if substring 0 1 p != "/" || p == "/" then
      [ "${opt}: ${toJSON p} is not an absolute path below /" ]
    else if match ".*[[:space:]].*" p != null then
      [ "${opt}: ${toJSON p} contains whitespace" ]
    else
      [ ];

  checkPathList =
    allowEmpty: opt: v:
    if !isList v then
      [ "${opt}: expected a list of paths, got ${describe v}" ]
    else if v == [ ] && !allowEmpty then
      [ "${opt}: is empty" ]
    else
      concatMap (i: checkPath "${opt}[${toString i}]" (elemAt v i)) (genList (i: i) (length v));

  checkNonNeg = opt: v: if isInt v && v >= 0 then [ ] else [ "${opt}: expected a non-negative integer, got ${toJSON v}" ];

  # A disabled backup may have no destinations (mkBackupDirectories is often called
  # unconditionally); a service that is built needs at least one.
  configCheckers = needDestinations: {
    enable = opt: v: if isBool v then [ ] else [ "${opt}: expected a boolean, got ${describe v}" ];
    paths = checkPathList (!needDestinations);
    schedule =
      opt: v:
      let
        r = cron.convert opt v;
      in
      optional (r.error != null) [ r.error ];
    format =
      opt: v:
      if elem v formats then [ ] else [ "${opt}: ${toJSON v} is not one of ${concatStringsSep ", " formats}" ];
    maxRetentionDays = checkNonNeg;
    retentionSnapshots = checkNonNeg;
  };

  checkConfig =
    forService: opt: c:
    let
      checkers = configCheckers (forService || (isAttrs c && (c.enable or false) == true));
    in
    if !isAttrs c then
      [ "${opt}: expected an attribute set, got ${describe c}" ]
    else
      concatMap (f: (checkers.${f} or (o: _: [ "${o}: unknown option" ])) "${opt}.${f}" c.${f}) (attrNames c)
      # `paths` is required even though absent attributes otherwise take defaults.
      ++ optional (!(c ? paths)) [ "${opt}.paths: is not set; list at least one destination directory" ];

  withDefaults = c: configDefaults // c;

  checkName = fn: n: optional (!isSafeName n) [ "${fn}: name ${toJSON n} must match [A-Za-z0-9][A-Za-z0-9_.-]*" ];
  checkAccount = fn: what: n: optional (!isAccount n) [ "${fn}: ${what} ${toJSON n} is not a valid user/group name" ];

  # forService: a service is being built, so it needs destinations even when disabled.
  validateServiceFor =
    forService:
    {
      name,
      serviceName,
      dataPaths,
      user,
      group,
      backupConfig,
      optionPath ? "backupConfig",
      ...
    }:
    checkName "mkBackupService" name
    ++ optional (!(isString serviceName && match "[^[:space:]]+" serviceName != null)) [
      "mkBackupService: serviceName ${toJSON serviceName} must be a unit name without whitespace"
    ]
    ++ checkPathList false "mkBackupService: dataPaths" dataPaths
    ++ checkAccount "mkBackupService" "user" user
    ++ checkAccount "mkBackupService" "group" group
    ++ checkConfig forService optionPath backupConfig;
  validateService = validateServiceFor true;

  # For callers that pass data (the harness): name what is missing instead of letting the
  # function call fail on a missing argument.
  requiredArgs = [
    "name"
    "serviceName"
    "dataPaths"
    "user"
    "group"
    "backupConfig"
  ];
  validateArgsFor =
    forService: args:
    if !isAttrs args then
      [ "mkBackupService: expected an attribute set of arguments, got ${describe args}" ]
    else
      let
        missing = builtins.filter (k: !(args ? ${k})) requiredArgs;
      in
      if missing != [ ] then
        map (k: "mkBackupService: ${k} is required") missing
      else
        validateServiceFor forService args;
  validateArgs = validateArgsFor true;

  isEnabled = args: isAttrs args && isAttrs (args.backupConfig or null) && (args.backupConfig.enable or false) == true;

  # What modules.containerBackups does with one declared container, and what `nixdrill eval`
  # renders for a scenario's: an enabled backup is built (render); a disabled one installs
  # nothing but its settings are still checked (a typo surfaces before it is enabled).
  # Not for a service: checkConfig then asks for destinations exactly when enabled.
  validateDeclared = validateArgsFor false;

  orThrow = errors: value: if errors == [ ] then value else throw (concatStringsSep "\n" errors);

  scriptText =
    {
      name,
      serviceName,
      dataPaths,
      user,
      group,
      backupConfig,
      ...
    }:
    let
      c = withDefaults backupConfig;
    in
    "# Container backup of ${name}, rendered by nixdrill (nix/lib/container.nix); re-render instead of editing.\n"
    # +e: NixOS runs `script` under bash -e; the script handles every status itself.
    + "set +e -uo pipefail\n"
    + shell.assignments [
      {
        name = "NIXDRILL_NAME";
        value = name;
      }
      {
        name = "NIXDRILL_SERVICE";
        value = serviceName;
      }
      {
        name = "NIXDRILL_DATA_PATHS";
        value = dataPaths;
      }
      {
        name = "NIXDRILL_DESTINATIONS";
        value = c.paths;
      }
      {
        name = "NIXDRILL_FORMAT";
        value = c.format;
      }
      {
        name = "NIXDRILL_OWNER";
        value = "${user}:${group}";
      }
      {
        name = "NIXDRILL_FILE_MODE";
        value = "0640";
      }
      {
        name = "NIXDRILL_MAX_RETENTION_DAYS";
        value = c.maxRetentionDays;
      }
      {
        name = "NIXDRILL_RETENTION_SNAPSHOTS";
        value = c.retentionSnapshots;
      }
    ]
    + shell.body ./scripts/container-backup.sh
    + "\nnixdrill_main\nexit $?\n";

  mkBackupService =
    args@{
      name,
      serviceName,
      backupConfig,
      path ? [ ],
      ...
    }:
    orThrow (validateService args) (
      {
        description = "Backup of ${name}: stops ${serviceName}, archives its data as ${(withDefaults backupConfig).format}";
        serviceConfig.Type = "oneshot";
        script = scriptText args;
      }
      // (if path == [ ] then { } else { inherit path; })
    );

  onCalendarOf = optionPath: backupConfig: cron.convertOrThrow "${optionPath}.schedule" (withDefaults backupConfig).schedule;

  mkBackupTimer =
    {
      name,
      backupConfig,
      optionPath ? "backupConfig",
    }:
    orThrow (checkName "mkBackupTimer" name ++ checkConfig false optionPath backupConfig) {
      description = "Timer of the ${name} backup";
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = onCalendarOf optionPath backupConfig;
        # Catch up after downtime, like the restic jobs.
        Persistent = true;
        Unit = "${name}-backup.service";
      };
    };

  mkBackupDirectories =
    {
      backupConfig,
      user,
      group,
      mode ? "0750",
      optionPath ? "backupConfig",
    }:
    orThrow (
      checkConfig false optionPath backupConfig
      ++ checkAccount "mkBackupDirectories" "user" user
      ++ checkAccount "mkBackupDirectories" "group" group
      ++ optional (!(isString mode && match "0?[0-7]{3}" mode != null)) [
        "mkBackupDirectories: mode ${toJSON mode} is not an octal mode such as \"0750\""
      ]
    ) (map (p: "d ${p} ${mode} ${user} ${group} -") (withDefaults backupConfig).paths);

  render =
    args:
    let
      errors = validateArgs args;
      ok = errors == [ ];
      base = "${args.name}-backup";
      onCalendar = onCalendarOf (args.optionPath or "backupConfig") args.backupConfig;
      script = scriptText args;
    in
    {
      inherit ok errors;
      onCalendar = if ok then onCalendar else null;
      script = if ok then script else null;
      packages = if ok then packagesFor (withDefaults args.backupConfig).format else [ ];
      # What the script was rendered with, defaults applied: a drill judges the archives by it.
      settings =
        if ok then
          let
            c = withDefaults args.backupConfig;
          in
          {
            inherit (args) serviceName dataPaths;
            inherit (c) format maxRetentionDays retentionSnapshots;
            destinations = c.paths;
            owner = "${args.user}:${args.group}";
            fileMode = "0640";
            unit = "${base}.service";
          }
        else
          null;
      files =
        if ok then
          {
            "${base}.sh" = "#!/usr/bin/env bash\n" + script;
            "${base}.service" = concatStringsSep "\n" [
              "[Unit]"
              "Description=Backup of ${args.name} (rendered by nixdrill)"
              ""
              "[Service]"
              "Type=oneshot"
              "ExecStart=${base}.sh"
            ] + "\n";
            "${base}.timer" = concatStringsSep "\n" [
              "[Unit]"
              "Description=Timer of the ${args.name} backup (rendered by nixdrill)"
              ""
              "[Timer]"
              "OnCalendar=${onCalendar}"
              "Persistent=true"
              "Unit=${base}.service"
              ""
              "[Install]"
              "WantedBy=timers.target"
            ] + "\n";
          }
        else
          { };
    };
  declare =
    args:
    if isEnabled args then
      render args
    else
      let
        errors = validateDeclared args;
      in
      {
        ok = errors == [ ];
        inherit errors;
        onCalendar = null;
        script = null;
        packages = [ ];
        settings = null;
        files = { };
      };
in
{
  inherit
    declare
    validateDeclared
    mkBackupService
    mkBackupTimer
    mkBackupDirectories
    render
    configDefaults
    formats
    packagesFor
    ;
  validate = validateArgs;
}
