# Paths far beyond PATH_MAX must not crash evaluation (std::regex recursion overflows the
# stack on long non-matching strings; the helpers switch to splitting). Lengths are reported
# instead of the 100,000-character strings.
let
  lib = import ../../../nix/lib;
  seg = builtins.concatStringsSep "" (builtins.genList (_: "abcdefghij") 10000);
  long = "/srv/${seg}/${seg}";
  r = lib.collect {
    a = {
      enable = true;
      backupPaths = [
        "${long}/"
        "/srv/${seg}//"
      ];
    };
    b = {
      enable = true;
      backupPaths = [ "${long}/x" ];
    };
  };
  len = builtins.stringLength;
in
{
  normalisedIsLong = lib.paths.normalisePath "${long}/./" == long;
  hasDotDot = map lib.paths.hasDotDot [
    long
    "/srv/${seg}/../${seg}"
  ];
  ancestors = map len (lib.paths.ancestors long);
  persistence = map len r.persistence;
  a = map len r.backups.a.paths;
  aUnits = r.backups.a.systemdUnits;
  overlaps = map (o: {
    path = len o.path;
    inherit (o) owner removedFrom;
  }) r.overlaps;
  validateRelative = map len (lib.validate { c.backupPaths = [ "srv/${seg}" ]; });
}
