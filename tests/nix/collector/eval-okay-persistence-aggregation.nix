# Story 2.1 AC1/AC2/AC4: dataDir and backupPaths of every enabled service, in service-name
# order, dataDir first, exact duplicates (within and across services) removed, first kept.
# Persistence keeps nested paths: only registrations drop them.
let
  lib = import ../../../nix/lib;
in
(lib.collect {
  nextcloud = {
    enable = true;
    dataDir = "/var/lib/nextcloud";
    backupPaths = [
      "/var/lib/nextcloud/data"
      "/srv/files"
    ];
  };
  grafana = {
    enable = true;
    dataDir = "/var/lib/grafana";
    backupPaths = [ "/var/lib/grafana" ];
  };
  jellyfin = {
    enable = true;
    dataDir = "/var/lib/jellyfin";
    backupPaths = [ "/srv/files" ];
  };
}).persistence
