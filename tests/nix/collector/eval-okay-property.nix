# Property test: 500 deterministic pseudo-random contract sets (sha256-driven), each checked
# against invariants and against the naive reference in support/reference.nix. Evaluates to
# the failing cases (none expected) plus coverage counters that show the generator reaches
# the interesting shapes (overlaps, dropped registrations, "/", duplicates). A mutated copy
# of every set with one invalid service checks that validate/collect reject it.
let
  lib = import ../../../nix/lib;
  ref = import ./support/reference.nix;
  inherit (builtins)
    all
    any
    attrNames
    concatMap
    elem
    elemAt
    filter
    foldl'
    genList
    hashString
    length
    listToAttrs
    stringLength
    substring
    tryEval
    ;

  cases = 500;

  hexDigit = listToAttrs (
    genList (i: {
      name = substring i 1 "0123456789abcdef";
      value = i;
    }) 16
  );
  # A number in [0, 2^24) from (seed, key).
  rand =
    seed: key:
    let
      h = hashString "sha256" "${seed}/${key}";
    in
    foldl' (acc: i: acc * 16 + hexDigit.${substring i 1 h}) 0 (genList (i: i) 6);
  below = seed: key: n: rand seed key - (rand seed key / n) * n;
  pick = seed: key: xs: elemAt xs (below seed key (length xs));

  names = [
    "a"
    "b"
    "c"
    "db"
    "web"
    "app-1"
    "svc.2"
    "m@n"
    "Z9"
    "x_y"
  ];
  # Messy spellings of overlapping paths; "/" is drawn separately and rarely.
  pathPool = [
    "/srv"
    "/srv/"
    "/srv/a"
    "/srv//a"
    "/srv/a/./b"
    "/srv/ab"
    "/srv/a/b"
    "/srv/a/b/c"
    "/var/lib/db"
    "/var/lib/db/wal"
    "/var/lib/db/wal/"
    "/var/lib/web"
    "/var/lib/web data"
    "/var/lib/ünï"
    "/var/lib/ünï/x"
    "/home/.cache"
  ];
  randPath = seed: key: if below seed "${key}/root" 25 == 0 then pick seed "${key}/rootform" [ "/" "/." "//" ] else pick seed key pathPool;
  units = [
    "postgresql.service"
    "nginx.service"
    "x.service"
    "x.service"
    "db.service"
  ];

  # Omits a field in one case out of `n`.
  maybe =
    seed: key: n: value:
    if below seed "${key}/omit" n == 0 then { } else { ${key} = value; };

  genService =
    seed:
    maybe seed "enable" 5 (below seed "enable" 4 != 0)
    // maybe seed "dataDir" 3 (
      pick seed "dataDirKind" [
        null
        ""
        (randPath seed "dataDir")
        (randPath seed "dataDir")
      ]
    )
    // maybe seed "backupPaths" 6 (genList (i: randPath seed "bp${toString i}") (below seed "nbp" 5))
    // maybe seed "priority" 3 (
      pick seed "priority" [
        10
        50
        100
        100
        200
        (-5)
        0
      ]
    )
    // maybe seed "systemdUnits" 2 (genList (i: pick seed "unit${toString i}" units) (below seed "nunits" 3))
    // maybe seed "exclude" 2 [ "*.tmp" ]
    // maybe seed "preBackup" 3 (pick seed "pre" [ null "echo pre" ])
    // maybe seed "postBackup" 3 "echo post"
    // maybe seed "backup" 3 {
      tags = [ "t" ];
      useSnapshots = below seed "snap" 3 == 0;
      zfsDataset = "tank/x";
    };

  # listToAttrs keeps the first of repeated names, so some sets are smaller than drawn.
  genServices =
    seed:
    listToAttrs (
      genList (j: {
        name = pick seed "name${toString j}" names;
        value = genService "${seed}/svc${toString j}";
      }) (below seed "n" 10)
    );

  # Every adjacent pair satisfies `lt`.
  sortedBy =
    lt: xs:
    all (k: lt (elemAt xs k) (elemAt xs (k + 1))) (genList (k: k) (if xs == [ ] then 0 else length xs - 1));

  regPathsOf = r: concatMap (n: r.backups.${n}.paths) (attrNames r.backups);

  check =
    i:
    let
      seed = "nixdrill-collector-${toString i}";
      s = genServices seed;
      r = lib.collect s;
      expected = ref.reference s;
      enabledName = n: s.${n}.enable or false;
      regs = attrNames r.backups;
      prioOf = n: r.backups.${n}.priority;
      inOrder =
        a: b:
        prioOf a < prioOf b || (prioOf a == prioOf b && a < b);
      bad = s // {
        zz = {
          enable = true;
          backupPaths = [ "rel/x" ];
        };
      };
      badMessage = ''qgroget.serviceModules.zz.backupPaths[0]: "rel/x" is not an absolute path'';
      checks = {
        validatesClean = lib.validate s == [ ];
        equalsReference = r == expected;
        noDisabledService = all enabledName (
          r.backupOrder ++ regs ++ concatMap (o: [ o.owner ] ++ o.removedFrom) r.overlaps
        );
        persistenceUnique = length r.persistence == length (ref.unique r.persistence);
        persistenceNormalised = all (p: ref.normalise p == p && substring 0 1 p == "/") r.persistence;
        pathsAbsoluteNormalised = all (p: substring 0 1 p == "/" && ref.normalise p == p) (regPathsOf r);
        pathsUniqueWithin = all (n: length r.backups.${n}.paths == length (ref.unique r.backups.${n}.paths)) regs;
        noNestingWithin = all (
          n: all (p: !(any (q: ref.nestedIn p q) r.backups.${n}.paths)) r.backups.${n}.paths
        ) regs;
        pathsPersisted = all (p: elem p r.persistence) (regPathsOf r);
        noPathInTwoRegistrations = length (regPathsOf r) == length (ref.unique (regPathsOf r));
        # Stronger: a path kept by a later registration is never covered by an earlier one.
        laterNeverCovered = all (
          k:
          all (
            p:
            !(any (j: any (q: ref.coveredBy p q) r.backups.${elemAt r.backupOrder j}.paths) (genList (j: j) k))
          ) r.backups.${elemAt r.backupOrder k}.paths
        ) (genList (k: k) (length r.backupOrder));
        backupOrderSorted = sortedBy inOrder r.backupOrder;
        backupOrderMatchesBackups =
          builtins.sort builtins.lessThan r.backupOrder == regs;
        noEmptyRegistration = all (n: r.backups.${n}.paths != [ ]) regs;
        overlapsSortedByPath = sortedBy (a: b: a.path < b.path) r.overlaps;
        ownerIsRegistered = all (o: r.backups ? ${o.owner}) r.overlaps;
        invalidRejected =
          elem badMessage (lib.validate bad) && !(tryEval (lib.collect bad)).success;
      };
      failed = filter (c: !checks.${c}) (attrNames checks);
    in
    {
      inherit seed failed;
      hasOverlap = r.overlaps != [ ];
      dropped = length (filter (n: enabledName n && (s.${n}.backupPaths or [ ]) != [ ]) (attrNames s)) != length regs;
      hasRoot = elem "/" r.persistence;
      # Some enabled paths were equal (after normalisation) and merged in persistence.
      hasPersistDup =
        length r.persistence < length (
          concatMap (
            n:
            let
              v = s.${n};
            in
            if enabledName n then
              (if (v.dataDir or null) == null || v.dataDir == "" then [ ] else [ v.dataDir ]) ++ (v.backupPaths or [ ])
            else
              [ ]
          ) (attrNames s)
        );
      multiRemoved = any (o: length o.removedFrom > 1) r.overlaps;
    };

  results = genList check cases;
  count = f: length (filter f results);
in
{
  inherit cases;
  failures = map (x: { inherit (x) seed failed; }) (filter (x: x.failed != [ ]) results);
  # Coverage: how many cases exercise each shape (deterministic for a given generator).
  coverage = {
    withOverlaps = count (x: x.hasOverlap);
    withDroppedRegistration = count (x: x.dropped);
    withRootPath = count (x: x.hasRoot);
    withPersistenceDuplicates = count (x: x.hasPersistDup);
    withPathRemovedFromSeveral = count (x: x.multiRemoved);
  };
}
