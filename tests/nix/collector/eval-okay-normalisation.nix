# Paths are normalised before anything else: trailing slashes removed, repeated slashes
# collapsed, "." segments dropped (".hidden" is a name, not a "." segment). Dedup, nesting
# and overlaps all see the normal form, and report it.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  svc = {
    enable = true;
    dataDir = "/var/lib/svc/";
    backupPaths = [
      "//var//lib/svc/./db"
      "/var/lib/./svc"
      "/srv/x/."
      "/srv/./y//"
      "/srv/.hidden"
    ];
    priority = 20;
  };
  other = {
    enable = true;
    backupPaths = [ "/srv/x/" ];
  };
}
