# backup.postgres: the staging dir (and pgBackRest's repository) join the job's paths, prepare
# dumps each database with pg_dump --format=custom (temporary name, then renamed) and runs
# pgBackRest, cleanup removes the staging dir, restore-<job>.sh is rendered; a service with a
# database and no backupPaths still gets its job; the other jobs are untouched.
with import ./common.nix;
let
  r = backup.renderBackupsOrThrow {
    services = {
      app = service "/var/lib/app" [ ] // {
        systemdUnits = [ "app.service" ];
        backup.postgres = {
          databases = [ "app" "app_stats" ];
          pgbackrest = {
            enable = true;
            stanza = "main";
          };
        };
      };
      # Only a database: no backupPaths, no dataDir.
      ledger = {
        enable = true;
        priority = 10;
        backup.postgres = {
          databases = [ "ledger" ];
          user = "pgadmin";
          dumpDir = "/srv/dumps/ledger";
        };
      };
      plain = service "/var/lib/plain" [ "/srv/plain" ];
    };
    config = baseConfig;
  };
  lines = s: builtins.filter (l: builtins.isString l && l != "") (builtins.split "\n" s);
  has = s: l: builtins.elem l (lines s);
  app = r.jobs.service-app;
  ledger = r.jobs.service-ledger;
  restore = r.files."restore-service-app.sh";
  pitr = r.files."pitr-service-app.sh";
in
{
  jobOrder = r.jobOrder;
  paths = pick [ "paths" "livePaths" "restoreFile" "pitrFile" "postgres" ] r.jobs;
  appPrepareTail =
    let
      ls = lines app.backupPrepareCommand;
      n = builtins.length ls;
    in
    builtins.genList (i: builtins.elemAt ls (n - 12 + i)) 12;
  appCleanup = lines app.backupCleanupCommand;
  ledgerDump = has ledger.backupPrepareCommand "runuser -u 'pgadmin' -- pg_dump --format=custom --dbname='ledger' >'/srv/dumps/ledger/ledger.dump.partial'";
  plainHasNoPostgres = builtins.match ".*pg_dump.*" r.jobs.service-plain.backupPrepareCommand == null;
  files = builtins.attrNames r.files;
  restoreHeader = builtins.filter (l: builtins.match "NIXDRILL_.*=.*" l != null) (lines restore);
  restoreRuns = has restore "  runuser -u \"$NIXDRILL_PG_USER\" -- pg_restore --clean --if-exists --create --exit-on-error --dbname=postgres <\"$dump\"";
  restoreVerifies = builtins.match ".*restic restore \"\\$snapshot\" --path \"\\$NIXDRILL_DUMP_DIR\" --include \"\\$NIXDRILL_DUMP_DIR\" --target \"\\$work\" --verify.*" restore != null;
  # pgBackRest (app only): the repository back from restic in place, then a time-target restore.
  pitrHeader = builtins.filter (l: builtins.match "NIXDRILL_.*=.*" l != null) (lines pitr);
  pitrRestoresRepository = has pitr "restic restore \"$snapshot\" --path \"$NIXDRILL_PGBACKREST_REPO\" --include \"$NIXDRILL_PGBACKREST_REPO\" --target / --verify >&2";
  pitrRuns = has pitr "runuser -u \"$NIXDRILL_PG_USER\" -- pgbackrest --stanza=\"$NIXDRILL_STANZA\" --delta --type=time \"--target=$target\" --target-action=promote restore >&2";
  pitrRefusesARunningServer = has pitr "if runuser -u \"$NIXDRILL_PG_USER\" -- pg_isready -q 2>/dev/null; then log 'PostgreSQL is running: stop it first'; exit 1; fi";
}
