# nixdrill collector: turns service contracts into persistence paths and backup registrations.
#
# Pure Nix (builtins only). Entry points:
#   validate services -> [ "qgroget.serviceModules.<name>.<field>: <problem>" ... ]  (never throws)
#   collect services  -> { persistence; backups; backupOrder; overlaps; }
#                        throws the FIRST message of `validate` when the input is invalid.
# Semantics: docs/collector.md. O(n log n) in the number of paths, times path depth: no `//`
# folded over n items, no `elem` over growing lists, no comparator sort over the services.
{ paths }:
let
  inherit (builtins)
    all
    attrNames
    concatMap
    dirOf
    elemAt
    filter
    foldl'
    fromJSON
    genList
    groupBy
    head
    isAttrs
    isBool
    isInt
    isList
    isString
    length
    lessThan
    listToAttrs
    map
    match
    partition
    removeAttrs
    replaceStrings
    sort
    substring
    toJSON
    typeOf
    ;
  inherit (paths)
    hasDotDot
    isAbsolute
    normalisePath
    uniqueStrings
    ;

  optionPrefix = "qgroget.serviceModules";

  # backup.postgres and the dataset name of backup.useSnapshots (nix/lib/postgres.nix, snapshots.nix).
  postgres = import ./postgres.nix;
  snapshots = import ./snapshots.nix;

  # ---------------------------------------------------------------------------------------
  # Validation
  # ---------------------------------------------------------------------------------------

  # One option-path component, rendered like nixpkgs' lib.showOption: quoted when it is not a
  # plain Nix identifier ("svc.2" -> "\"svc.2\"").
  showPart =
    s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else replaceStrings [ "$" ] [ "\\$" ] (toJSON s);

  describeType =
    v:
    let
      t = typeOf v;
    in
    {
      int = "an integer";
      float = "a float";
      string = "a string";
      bool = "a boolean";
      list = "a list";
      set = "an attribute set";
      null = "null";
      lambda = "a function";
      path = "a path";
    }
    .${t} or t;

  expected = opt: what: v: [ "${opt}: expected ${what}, got ${describeType v}" ];

  checkBool = opt: v: if isBool v then [ ] else expected opt "a boolean" v;
  checkInt = opt: v: if isInt v then [ ] else expected opt "an integer" v;
  checkStrOrNull = opt: v: if v == null || isString v then [ ] else expected opt "a string or null" v;

  # Absolute, no ".." segment. One message per value; "not absolute" wins.
  checkPath =
    opt: p:
    if !isAbsolute p then
      [ "${opt}: ${toJSON p} is not an absolute path" ]
    else if hasDotDot p then
      [ "${opt}: ${toJSON p} contains a '..' segment" ]
    else
      [ ];

  # dataDir: null and "" mean "no data directory".
  checkDataDir =
    opt: v:
    if v == null || v == "" then
      [ ]
    else if isString v then
      checkPath opt v
    else
      expected opt "a string or null" v;

  checkList =
    checkElem: opt: v:
    if !isList v then
      expected opt "a list of strings" v
    else
      concatMap (
        i:
        let
          x = elemAt v i;
          o = "${opt}[${toString i}]";
        in
        if isString x then checkElem o x else expected o "a string" x
      ) (genList (i: i) (length v));

  checkStrList = opt: v: if isList v && builtins.all isString v then [ ] else checkList (_: _: [ ]) opt v;
  # The common case (every element a clean absolute path) without the per-index messages.
  checkPathList =
    opt: v:
    if isList v && builtins.all (x: isString x && isAbsolute x && !hasDotDot x) v then
      [ ]
    else
      checkList checkPath opt v;

  unknownOption = opt: _: [ "${opt}: unknown option" ];

  # Checks every attribute of `v` in attribute-name order with checkers.<attr>, unknown
  # attributes reported as such.
  checkFields =
    checkers: opt: v:
    concatMap (f: (checkers.${f} or unknownOption) "${opt}.${showPart f}" v.${f}) (attrNames v);

  backupCheckers = {
    repository = checkStrOrNull;
    tags = checkStrList;
    useSnapshots = checkBool;
    zfsDataset = checkStrOrNull;
    postgres = postgres.check;
  };

  checkBackup =
    opt: v:
    if !isAttrs v then
      expected opt "an attribute set" v
    else
      checkFields backupCheckers opt v
      # A snapshot needs to know what to snapshot.
      ++ (
        if (v.useSnapshots or false) == true && (v.zfsDataset or null) == null then
          [ "${opt}.zfsDataset: must be set when ${opt}.useSnapshots is true" ]
        else
          [ ]
      )
      ++ snapshots.check opt v;

  # healthCheck: how to tell that the restored service works (docs/collector.md).
  healthCheckCheckers = {
    command =
      opt: v:
      if !isString v then
        expected opt "a string (a shell command)" v
      else if v == "" then
        [ "${opt}: must not be empty" ]
      else
        [ ];
    expect = checkStrOrNull;
    timeout =
      opt: v:
      if !isInt v then
        expected opt "an integer (seconds)" v
      else if v < 1 then
        [ "${opt}: must be at least 1 (seconds), got ${toString v}" ]
      else
        [ ];
  };

  checkHealthCheck =
    opt: v:
    if v == null then
      [ ]
    else if !isAttrs v then
      expected opt "an attribute set or null" v
    else
      checkFields healthCheckCheckers opt v ++ (if v ? command then [ ] else [ "${opt}.command: must be set" ]);

  serviceCheckers = {
    enable = checkBool;
    dataDir = checkDataDir;
    backupPaths = checkPathList;
    systemdUnits = checkStrList;
    priority = checkInt;
    exclude = checkStrList;
    preBackup = checkStrOrNull;
    postBackup = checkStrOrNull;
    postRestore = checkStrOrNull;
    healthCheck = checkHealthCheck;
    backup = checkBackup;
  };

  # postRestore is run by the rendered restore-<job>.sh; PostgreSQL's restore script and
  # snapshot jobs (whose snapshots hold the snapshot's paths) have their own way back.
  checkPostRestore =
    opt: v:
    let
      b = v.backup or { };
      set = (v.postRestore or null) != null;
    in
    (
      if set && (b.postgres or null) != null then
        [
          "${opt}.postRestore: cannot be combined with ${opt}.backup.postgres (its rendered restore script restores the dumps)"
        ]
      else
        [ ]
    )
    ++ (
      if set && (b.useSnapshots or false) == true then
        [ "${opt}.postRestore: not supported with ${opt}.backup.useSnapshots (restore-<job>.sh restores live paths)" ]
      else
        [ ]
    );

  # systemd unit names and restic job names are derived from the service name.
  isSafeName = name: match "[A-Za-z0-9][A-Za-z0-9_.@-]*" name != null;

  validateService =
    name: v:
    let
      opt = "${optionPrefix}.${showPart name}";
    in
    (
      if isSafeName name then
        [ ]
      else
        [
          "${opt}: service name ${toJSON name} is not safe in a systemd unit or job name (allowed characters: A-Z a-z 0-9 _ . @ -, starting with a letter or digit)"
        ]
    )
    ++ (
      if isAttrs v then
        checkFields serviceCheckers opt v ++ (if isAttrs (v.backup or { }) then checkPostRestore opt v else [ ])
      else
        expected opt "an attribute set" v
    );

  # A clean absolute path, tested inline (no call): absolute and no ".." segment.
  # quickValid decides the common contract in a few primitive operations; whatever it does not
  # accept goes through validateService, which alone writes messages. It must never accept
  # what validateService rejects (tests/nix/collector/eval-okay-quick-validation.nix).
  quickFields = [
    "enable"
    "dataDir"
    "backupPaths"
    "systemdUnits"
    "priority"
    "exclude"
    "preBackup"
    "postBackup"
  ];
  cleanAbsolute =
    p: isString p && substring 0 1 p == "/" && (let s = "/" + p + "/"; in replaceStrings [ "/../" ] [ "" ] s == s);
  isStrOrNull = v: v == null || isString v;
  quickValid =
    name: v:
    isAttrs v
    && removeAttrs v quickFields == { }
    && isSafeName name
    && isBool (v.enable or false)
    && (
      let
        d = v.dataDir or null;
      in
      d == null || d == "" || cleanAbsolute d
    )
    && (
      let
        b = v.backupPaths or [ ];
      in
      isList b && all cleanAbsolute b
    )
    && (
      let
        u = v.systemdUnits or [ ];
      in
      isList u && all isString u
    )
    && isInt (v.priority or 0)
    && (
      let
        e = v.exclude or [ ];
      in
      isList e && all isString e
    )
    && isStrOrNull (v.preBackup or null)
    && isStrOrNull (v.postBackup or null);

  validate =
    services:
    if isAttrs services then
      concatMap (name: let v = services.${name}; in if quickValid name v then [ ] else validateService name v) (
        attrNames services
      )
    else
      expected optionPrefix "an attribute set" services;

  # ---------------------------------------------------------------------------------------
  # Collection (input known to be valid)
  # ---------------------------------------------------------------------------------------

  withDefaults =
    name: v:
    let
      b = v.backup or { };
    in
    {
      inherit name;
      enable = v.enable or false;
      dataDir = v.dataDir or null;
      backupPaths = v.backupPaths or [ ];
      systemdUnits = v.systemdUnits or [ "${name}.service" ];
      priority = v.priority or 100;
      exclude = v.exclude or [ ];
      preBackup = v.preBackup or null;
      postBackup = v.postBackup or null;
      postRestore = v.postRestore or null;
      healthCheck =
        let
          h = v.healthCheck or null;
        in
        if h == null then
          null
        else
          {
            inherit (h) command;
            expect = h.expect or null;
            timeout = h.timeout or 60;
          };
      backup = {
        repository = b.repository or null;
        tags = b.tags or [ ];
        useSnapshots = b.useSnapshots or false;
        zfsDataset = b.zfsDataset or null;
        postgres = b.postgres or null;
      };
    };

  indices = n: genList (i: i) n;

  # Working record of one enabled service (defaults filled in).
  serviceRecord =
    name: v:
    let
      s = withDefaults name v;
      # dataDir first, then backupPaths; normalised once and shared by both outputs.
      own = map normalisePath ((if s.dataDir == null || s.dataDir == "" then [ ] else [ s.dataDir ]) ++ s.backupPaths);
      # True when a strict ancestor of the normalised absolute path `p` is in `present`. Walks
      # up with dirOf (native) instead of building the list of ancestors, and takes one
      # argument (a curried one costs a call per argument): at 10k services this and ownerUp
      # below are the inner loops of the whole collector.
      hasAncestorPresent =
        p:
        let
          d = dirOf p;
        in
        p != "/" && (present ? ${d} || hasAncestorPresent d);
      # path -> index of its first occurrence in `own`.
      present = listToAttrs (
        genList (i: {
          name = elemAt own i;
          value = i;
        }) (length own)
      );
    in
    {
      inherit name own;
      inherit (s)
        priority
        systemdUnits
        exclude
        preBackup
        postBackup
        postRestore
        healthCheck
        ;
      registers = s.backupPaths != [ ];
      # Registration paths: first occurrence kept, paths nested in another path of the same
      # registration dropped, order of the rest preserved.
      regPaths = concatMap (
        i:
        let
          x = elemAt own i;
        in
        if present.${x} == i && !(hasAncestorPresent x) then [ x ] else [ ]
      ) (indices (length own));
    };

  collectValid =
    services:
    let
      enabled = concatMap (
        name:
        let
          v = services.${name};
        in
        if v.enable or false then [ (serviceRecord name v) ] else [ ]
      ) (attrNames services);

      persistence = uniqueStrings (concatMap (s: s.own) enabled);

      # Walk order (priority, name): group by priority, keeping name order inside a group (the
      # services come in attrNames order), then concatenate the groups by ascending priority.
      # Sorts the few distinct priorities instead of calling a comparator n log n times.
      byPriority = groupBy (s: toString s.priority) (filter (s: s.registers) enabled);
      walk = concatMap (p: byPriority.${toString p}) (sort lessThan (map fromJSON (attrNames byPriority)));
      nWalk = length walk;

      # path -> smallest walk index holding it (listToAttrs keeps the first, walk is ascending).
      firstHolder = listToAttrs (
        concatMap (
          i:
          map (x: {
            name = x;
            value = i;
          }) (elemAt walk i).regPaths
        ) (indices nWalk)
      );

      # Walk index of the earliest registration holding a strict ancestor of `p` (nWalk when
      # none), walking up with dirOf.
      ownerUp =
        p:
        if p == "/" then
          nWalk
        else
          let
            d = dirOf p;
            j = firstHolder.${d} or nWalk;
            k = ownerUp d;
          in
          if j < k then j else k;
      # ... or `p` itself.
      ownerOf =
        p:
        let
          j = firstHolder.${p};
          k = ownerUp p;
        in
        if j < k then j else k;

      # Per walk index: paths kept, and paths taken over by an earlier registration.
      analysed = genList (
        i:
        let
          r = elemAt walk i;
          parts = partition (x: x.owner < i) (
            map (x: {
              path = x;
              owner = ownerOf x;
            }) r.regPaths
          );
        in
        {
          inherit r;
          idx = i;
          kept = if parts.right == [ ] then r.regPaths else map (x: x.path) parts.wrong;
          removed = parts.right;
          # Walk indices of the registrations it took paths from (usually none).
          from = takenFrom.${toString i} or [ ];
        }
      ) nWalk;

      # One record per path removed from a later registration, in walk order of `from`.
      removals = concatMap (
        a:
        map (x: {
          inherit (x) path owner;
          from = a.idx;
        }) a.removed
      ) analysed;

      nameAt = i: (elemAt walk i).name;

      # owner walk index (as string) -> walk indices it took paths from, ascending, unique.
      takenFrom = builtins.mapAttrs (_: xs: uniqueInts (map (x: x.from) xs)) (groupBy (x: toString x.owner) removals);

      # Ascending input: drop adjacent repeats.
      uniqueInts = xs: concatMap (i: if i == 0 || elemAt xs (i - 1) != elemAt xs i then [ (elemAt xs i) ] else [ ]) (indices (length xs));

      unitsOf =
        a:
        # Most registrations took nothing and stop one unit: nothing to deduplicate.
        if a.from == [ ] && length a.r.systemdUnits < 2 then
          a.r.systemdUnits
        else
          uniqueStrings (a.r.systemdUnits ++ concatMap (j: (elemAt walk j).systemdUnits) a.from);

      # The readiness checks a registration's restore must pass: its own service's and those of
      # the services it took paths from (their units are its units too). Absent when none.
      healthChecksOf =
        a:
        if a.from == [ ] && a.r.healthCheck == null then
          [ ]
        else
          concatMap (
          r:
          if r.healthCheck == null then
            [ ]
          else
            [
              (
                {
                  service = r.name;
                }
                // r.healthCheck
              )
            ]
          ) ([ a.r ] ++ map (elemAt walk) a.from);

      survivors = filter (a: a.kept != [ ]) analysed;

      byPath = groupBy (x: x.path) removals;
    in
    {
      inherit persistence;

      backups = listToAttrs (
        map (
          a:
          let
            checks = healthChecksOf a;
          in
          {
            inherit (a.r) name;
            value = {
              paths = a.kept;
              systemdUnits = unitsOf a;
              inherit (a.r)
                priority
                exclude
                preBackup
                postBackup
                ;
            }
            // (if checks == [ ] then { } else { healthChecks = checks; })
            // (if a.r.postRestore == null then { } else { inherit (a.r) postRestore; });
          }
        ) survivors
      );

      backupOrder = map (a: a.r.name) survivors;

      # attrNames is sorted, so overlaps come out sorted by path.
      overlaps = map (
        p:
        let
          g = byPath.${p};
        in
        {
          path = p;
          owner = nameAt (head g).owner;
          removedFrom = sort lessThan (map (x: nameAt x.from) g);
        }
      ) (attrNames byPath);
    };

  collect =
    services:
    let
      errors = validate services;
    in
    if errors == [ ] then collectValid services else throw (head errors);
in
{
  inherit
    collect
    validate
    isSafeName
    optionPrefix
    ;
  # validate without its fast path (quickValid): tests check that both always agree.
  validateFull =
    services:
    if isAttrs services then
      concatMap (name: validateService name services.${name}) (attrNames services)
    else
      validate services;
  # Skips validation, for callers that validated already. Undefined results on invalid input.
  collectUnchecked = collectValid;
  # The contract with every default filled in (exposed for other libs and tests).
  inherit withDefaults;
}
