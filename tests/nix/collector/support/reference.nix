# Naive reference collector, written straight from the specification in docs/collector.md and
# deliberately sharing no code or technique with nix/lib: string-rewriting normalisation,
# prefix-based nesting, lib.unique-style dedup, a literal walk over the registrations that
# compares each path with the KEPT paths of every earlier one. O(n^2): small inputs only.
# Input must be valid (validation is not modelled here).
let
  inherit (builtins)
    any
    attrNames
    concatMap
    elem
    elemAt
    filter
    foldl'
    genList
    head
    length
    lessThan
    listToAttrs
    replaceStrings
    sort
    stringLength
    substring
    ;

  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];

  # Rewrite "//" and "/./" to "/" until nothing changes, then strip trailing "/" and "/.".
  collapse =
    p:
    let
      q = replaceStrings [ "//" "/./" ] [ "/" "/" ] p;
    in
    if q == p then p else collapse q;
  stripEnd =
    p:
    let
      n = stringLength p;
    in
    if n > 1 && substring (n - 1) 1 p == "/" then
      stripEnd (substring 0 (n - 1) p)
    else if n >= 2 && substring (n - 2) 2 p == "/." then
      stripEnd (if n == 2 then "/" else substring 0 (n - 2) p)
    else
      p;
  normalise = p: stripEnd (collapse p);

  hasPrefix = pre: s: substring 0 (stringLength pre) s == pre;
  # child strictly below parent, both normalised
  nestedIn = child: parent: child != parent && (parent == "/" || hasPrefix (parent + "/") child);
  coveredBy = p: q: p == q || nestedIn p q;

  reference =
    services:
    let
      svc =
        name:
        let
          v = services.${name};
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
        };
      enabled = filter (s: s.enable) (map svc (attrNames services));
      own = s: map normalise ((if s.dataDir == null || s.dataDir == "" then [ ] else [ s.dataDir ]) ++ s.backupPaths);

      persistence = unique (concatMap own enabled);

      candidates = map (
        s:
        let
          u = unique (own s);
        in
        s // { paths = filter (p: !(any (q: nestedIn p q) u)) u; }
      ) (filter (s: s.backupPaths != [ ]) enabled);

      order = sort (a: b: a.priority < b.priority || (a.priority == b.priority && a.name < b.name)) candidates;

      # Literal walk: each registration is compared with what the earlier ones kept.
      walked = foldl' (
        done: r:
        let
          ownerOf = p: filter (e: any (q: coveredBy p q) e.kept) done;
          tagged = map (
            p:
            let
              o = ownerOf p;
            in
            {
              inherit p;
              owner = if o == [ ] then null else (head o).name;
            }
          ) r.paths;
        in
        done
        ++ [
          (
            r
            // {
              kept = map (t: t.p) (filter (t: t.owner == null) tagged);
              removed = filter (t: t.owner != null) tagged;
            }
          )
        ]
      ) [ ] order;

      units =
        r:
        unique (
          r.systemdUnits ++ concatMap (l: l.systemdUnits) (filter (l: any (t: t.owner == r.name) l.removed) walked)
        );

      survivors = filter (r: r.kept != [ ]) walked;

      removals = concatMap (
        r:
        map (t: {
          inherit (t) p owner;
          from = r.name;
        }) r.removed
      ) walked;
    in
    {
      inherit persistence;
      backups = listToAttrs (
        map (r: {
          inherit (r) name;
          value = {
            paths = r.kept;
            systemdUnits = units r;
            inherit (r)
              priority
              exclude
              preBackup
              postBackup
              ;
          };
        }) survivors
      );
      backupOrder = map (r: r.name) survivors;
      overlaps = map (
        p:
        let
          rs = filter (x: x.p == p) removals;
        in
        {
          path = p;
          owner = (head rs).owner;
          removedFrom = sort lessThan (map (x: x.from) rs);
        }
      ) (sort lessThan (unique (map (x: x.p) removals)));
    };
in
{
  inherit
    reference
    normalise
    nestedIn
    coveredBy
    unique
    ;
}
