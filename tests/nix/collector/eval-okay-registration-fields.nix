# Story 2.2 AC1/AC4/AC6/AC7: a registration carries dataDir + backupPaths, the units to stop,
# priority, exclude and the hooks, exactly as declared. The `backup` sub-options (repository,
# tags, snapshots) are validated but are not part of the registration.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  nextcloud = {
    enable = true;
    dataDir = "/var/lib/nextcloud";
    backupPaths = [ "/srv/nextcloud/data" ];
    systemdUnits = [
      "phpfpm-nextcloud.service"
      "nextcloud-cron.timer"
    ];
    priority = 200;
    exclude = [
      "*.tmp"
      "/var/lib/nextcloud/cache"
    ];
    preBackup = "nextcloud-occ maintenance:mode --on";
    postBackup = ''
      nextcloud-occ maintenance:mode --off
    '';
    backup = {
      repository = "nas-primary";
      tags = [ "nextcloud" ];
      useSnapshots = true;
      zfsDataset = "tank/nextcloud";
    };
  };
}
