# backup.useSnapshots: prepare stops the units, snapshots the dataset (stale snapshots of the
# job destroyed first), starts the units again and writes the snapshot's paths to the runtime
# dir, which the backup step reads; cleanup destroys the snapshot. The NixOS form reads the
# paths through dynamicFilesFrom. A job without snapshots is unchanged.
with import ./common.nix;
let
  r = backup.renderBackupsOrThrow {
    services = {
      photos = service "/tank/photos/library" [ "/tank/photos/originals" ] // {
        systemdUnits = [ "photos.service" "photos-worker.service" ];
        backup = {
          useSnapshots = true;
          zfsDataset = "tank/photos";
        };
      };
      plain = service "/var/lib/plain" [ "/srv/plain" ];
    };
    config = baseConfig;
  };
  lines = s: builtins.filter (l: builtins.isString l && l != "") (builtins.split "\n" s);
  photos = r.jobs.service-photos;
  run = r.files."run-service-photos.sh";
  plainRun = r.files."run-service-plain.sh";
in
{
  spec = pick [ "paths" "livePaths" "useSnapshots" "zfsDataset" "dynamicFilesFrom" ] r.jobs;
  prepare = lines photos.backupPrepareCommand;
  cleanup = lines photos.backupCleanupCommand;
  fromRuntime = builtins.elem "NIXDRILL_PATHS_FROM_RUNTIME_DIR=1" (lines run);
  plainFromRuntime = builtins.elem "NIXDRILL_PATHS_FROM_RUNTIME_DIR=0" (lines plainRun);
}
