# Inside one registration: duplicates removed (first kept) and a path nested in another path
# of the same registration dropped, wherever it appears; segment boundaries respected
# ("/var/lib/apps" and "/var/lib/app-cache" are not inside "/var/lib/app"). Intra-registration
# drops are not overlaps.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  app = {
    enable = true;
    dataDir = "/var/lib/app";
    backupPaths = [
      "/var/lib/app/db"
      "/var/lib/apps"
      "/srv/app/"
      "/var/lib/app"
      "/srv/app/uploads"
      "/var/lib/app-cache"
    ];
  };
  b = {
    enable = true;
    backupPaths = [
      "/data/x/y"
      "/data/x"
    ];
  };
}
