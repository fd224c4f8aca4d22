# validate never throws and reports every problem at once, each naming its option path (the
# harness evaluates many inputs in one Nix process; tryEval would lose the messages).
with import ./common.nix;
{
  valid = backup.validate {
    services.app = service "/var/lib/app" [ "/etc/app" ];
    config = baseConfig;
  };

  # Types and values: reported before any cross-checks.
  structural = backup.validate {
    config = {
      enable = "yes";
      schedule = "nightly";
      restic.repositories.nas = {
        url = "relative/path";
        passwordFile = null;
        primary = true;
        type = "local";
      };
      restic.globalSettings = {
        compression = "zstd";
        readConcurrency = 0;
        retryLock = "soon";
        retention = {
          daily = -1;
          hourly = 3;
        };
      };
      restic.jobs."bad name" = {
        paths = [ "relative" ];
        tags = [ "has space" ];
        resources = {
          memory = "lots";
          cpus = "0.125";
        };
      };
      restic.jobs.nopaths = { };
      monitoring.prometheus.metricsDir = "textfiles";
      zfs.enable = true;
    };
  };

  # Cross-checks, all at once.
  semantic = backup.validate {
    services = {
      app = service "/var/lib/app" [ "/etc/app" ] // {
        backup.repository = "nowhere";
      };
      db = service "/var/lib/db" [ "/var/backup/db" ] // {
        backup = {
          useSnapshots = true;
          zfsDataset = "tank/db";
        };
      };
      web = service "/var/lib/web" [ "/etc/web" ];
    };
    config = {
      enable = true;
      restic.repositories.offsite = {
        url = "s3:s3.amazonaws.com/bucket";
        passwordFile = "/run/secrets/s3";
      };
      restic.jobs = {
        service-web.paths = [ "/srv/web" ];
        archive = {
          paths = [ "/srv/archive" ];
          repository = "tape";
        };
      };
    };
  };

  twoPrimaries = backup.validate {
    services.app = service "/var/lib/app" [ "/etc/app" ];
    config = merge baseConfig {
      restic.repositories.usb = {
        url = "/mnt/usb";
        passwordFile = "/run/secrets/usb";
        primary = true;
      };
    };
  };

  # The collector's own checks come through unchanged.
  collector = backup.validate {
    services.app = service "var/lib/app" [ "/etc/app" ];
    config = baseConfig;
  };

  # Registrations that all name their repository need no primary.
  noPrimaryNeeded = backup.validate {
    services.app = service "/var/lib/app" [ "/etc/app" ] // {
      backup.repository = "offsite";
    };
    config = {
      enable = true;
      restic.repositories.offsite = {
        url = "b2:bucket:/x";
        passwordFile = "/run/secrets/b2";
      };
    };
  };
}
