# extraBackupArgs: --tag per tag, then --compression (unless null), then the flags restic 0.14
# lacks (--read-concurrency, --retry-lock) only when configured.
with import ./common.nix;
let
  args =
    globalSettings:
    (backup.renderBackups {
      services.app = service "/var/lib/app" [ "/etc/app" ] // {
        backup.tags = [ "web" ];
      };
      config = merge baseConfig { restic.globalSettings = globalSettings; };
    }).jobs.service-app.extraBackupArgs;
in
{
  defaults = args { };
  compressionMax = args { compression = "max"; };
  compressionOff = args { compression = "off"; };
  compressionNull = args { compression = null; };
  readConcurrency = args { readConcurrency = 4; };
  retryLock = args {
    retryLock = "1h30m";
    compression = null;
  };
}
