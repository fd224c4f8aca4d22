# The same (normalised) path removed from several registrations gives one overlap entry whose
# removedFrom is sorted by name (not walk order). Walk: b(5), c(100), d(100), a(300). The
# owner's units grow in walk order of the losers (c has none, then d, then a).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  a = {
    enable = true;
    backupPaths = [ "/srv/common" ];
    priority = 300;
  };
  b = {
    enable = true;
    backupPaths = [
      "/srv/common/"
      "/srv/b"
    ];
    priority = 5;
  };
  c = {
    enable = true;
    backupPaths = [ "/srv//common" ];
    systemdUnits = [ ];
  };
  d = {
    enable = true;
    backupPaths = [ "/srv/common/d" ];
  };
}
