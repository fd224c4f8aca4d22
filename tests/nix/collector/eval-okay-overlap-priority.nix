# Story 2.2 AC5 across services. Walk order (priority, name): postgresql(10), immich(50),
# nextcloud(50), gitea(100), zz(100). A later registration loses paths equal to or below a
# path of an earlier one; the owner also stops the losers' units; a registration left empty
# (zz) is dropped. Direction matters: immich keeps /var/lib/nextcloud/photos although the
# later nextcloud registration holds /var/lib/nextcloud.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  postgresql = {
    enable = true;
    dataDir = "/var/lib/postgresql";
    backupPaths = [
      "/var/lib/postgresql/16"
      "/srv/shared"
    ];
    priority = 10;
    systemdUnits = [ "postgresql.service" ];
  };
  nextcloud = {
    enable = true;
    dataDir = "/srv/shared/nextcloud";
    backupPaths = [ "/var/lib/nextcloud" ];
    priority = 50;
    systemdUnits = [
      "phpfpm-nextcloud.service"
      "postgresql.service"
    ];
  };
  immich = {
    enable = true;
    backupPaths = [
      "/srv/shared/immich"
      "/var/lib/nextcloud/photos"
    ];
    priority = 50;
  };
  gitea = {
    enable = true;
    dataDir = "/var/lib/gitea";
    backupPaths = [ "/var/lib/gitea/repos" ];
  };
  zz = {
    enable = true;
    backupPaths = [
      "/var/lib/gitea"
      "/var/lib/postgresql/16/main"
    ];
    systemdUnits = [
      "zz.service"
      "gitea.service"
    ];
  };
}
