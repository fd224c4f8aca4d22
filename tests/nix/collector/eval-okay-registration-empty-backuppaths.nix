# Story 2.2 AC3: empty backupPaths opts out of backups even with a dataDir; the dataDir stays
# persisted, and since it is not registered it takes nothing over from other services.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  withData = {
    enable = true;
    dataDir = "/var/lib/withdata";
    backupPaths = [ ];
    priority = 1;
  };
  other = {
    enable = true;
    backupPaths = [ "/var/lib/withdata/sub" ];
  };
}
