# restic.globalSettings.retention -> pruneOpts: a 0 drops its flag, nothing to keep means no
# prune step at all, retryLock (restic >= 0.16) only when set.
with import ./common.nix;
let
  pruneOpts =
    globalSettings:
    (backup.renderBackups {
      services.app = service "/var/lib/app" [ "/etc/app" ];
      config = merge baseConfig {
        restic.globalSettings = globalSettings;
      };
    }).jobs.service-app.pruneOpts;
in
{
  defaults = pruneOpts { };
  dailyOnly = pruneOpts { retention.daily = 7; };
  someZero = pruneOpts {
    retention = {
      daily = 0;
      weekly = 4;
      monthly = 0;
      yearly = 1;
    };
  };
  allZero = pruneOpts {
    retention = {
      daily = 0;
      weekly = 0;
      monthly = 0;
      yearly = 0;
    };
  };
  withRetryLock = pruneOpts {
    retention.yearly = 0;
    retryLock = "5m";
  };
  retryLockButNothingToKeep = pruneOpts {
    retention = {
      daily = 0;
      weekly = 0;
      monthly = 0;
      yearly = 0;
    };
    retryLock = "5m";
  };
}
