# Every retention combination reaches the script as given (0 = no age limit / keep all);
# tests/host/test-container-backup.sh runs them against real files.
with import ./common.nix;
let
  retention =
    maxRetentionDays: retentionSnapshots:
    builtins.filter (l: builtins.match "NIXDRILL_(MAX_RETENTION_DAYS|RETENTION_SNAPSHOTS)=.*" l != null) (
      settings
        (container.mkBackupService (args // {
          backupConfig = backupConfig // { inherit maxRetentionDays retentionSnapshots; };
        })).script
    );
in
{
  keepAll = retention 0 0;
  countOnly = retention 0 10;
  ageOnly = retention 14 0;
  both = retention 30 7;
}
