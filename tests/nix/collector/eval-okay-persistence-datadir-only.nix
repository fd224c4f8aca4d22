# null and "" dataDir contribute nothing; a service with only a dataDir is persisted but not
# registered; an enabled service without any path contributes nothing.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  a = {
    enable = true;
    dataDir = null;
    backupPaths = [ "/srv/a" ];
  };
  b = {
    enable = true;
    dataDir = "";
    backupPaths = [ ];
  };
  c = {
    enable = true;
    dataDir = "/var/lib/c";
  };
  d.enable = true;
}
