# validate's fast path (quickValid in nix/lib/collector.nix) must never accept a contract the
# full validation rejects, nor change a message: every service below, one tricky value per
# field (each field alone, so every value is judged), gives the same messages through
# `validate` and `validateFull`. Evaluates to the counts (how many services, how many of them
# invalid: the fast path is exercised on both sides) and the disagreements (none expected).
let
  lib = import ../../../nix/lib;
  inherit (builtins)
    attrNames
    concatMap
    filter
    genList
    length
    listToAttrs
    ;
  paths = [
    "/var/lib/x"
    "/var/lib/x/"
    "/"
    "//"
    "/a/.."
    "/a/../b"
    "/a/..b"
    "/..a/b"
    ".."
    "../a"
    "a/b"
    ""
    "/a/./b"
    "/a//b"
  ];
  scalars = [
    null
    true
    false
    0
    7
    (-3)
    1.5
    "x"
    ""
    [ ]
    { }
    [ "a" ]
    [ 1 ]
    [ null ]
  ];
  values = {
    enable = scalars;
    dataDir = paths ++ scalars;
    backupPaths = map (p: [ p ]) paths ++ map (p: [ "/ok" p ]) paths ++ scalars;
    systemdUnits = scalars ++ [ [ "a.service" "b.service" ] ];
    priority = scalars;
    exclude = scalars ++ [ [ "*.tmp" ] ];
    preBackup = scalars;
    postBackup = scalars;
    postRestore = scalars;
    backup = scalars ++ [ { repository = "x"; } ];
    healthCheck = scalars;
    unknownField = scalars;
  };
  base = {
    enable = true;
    dataDir = "/var/lib/base";
    backupPaths = [ "/var/lib/base" ];
  };
  names = [
    "ok"
    "bad name"
    ".dot"
    "a@b"
    ""
  ];
  services = listToAttrs (
    concatMap (
      field:
      genList (i: {
        name = "${field}-${toString i}";
        value = base // { ${field} = builtins.elemAt values.${field} i; };
      }) (length values.${field})
    ) (attrNames values)
    ++ map (n: {
      name = n;
      value = base;
    }) names
    ++ [
      {
        name = "not-a-set";
        value = "x";
      }
      {
        name = "empty";
        value = { };
      }
    ]
  );
  one = name: { ${name} = services.${name}; };
  disagree = filter (n: lib.collector.validate (one n) != lib.collector.validateFull (one n)) (attrNames services);
in
{
  services = length (attrNames services);
  invalid = length (filter (n: lib.collector.validateFull (one n) != [ ]) (attrNames services));
  disagreements = disagree;
  # The whole set at once too (order and concatenation of messages).
  wholeSetAgrees = lib.collector.validate services == lib.collector.validateFull services;
}
