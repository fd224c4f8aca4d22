# nixdrill PostgreSQL backups (builtins only): the `backup.postgres` part of a service contract,
# validated here and rendered into the job's prepare/cleanup steps and a restore script.
#
#   backup.postgres = {
#     databases = [ "app" ];           # pg_dump --format=custom of each, before restic runs
#     user = "postgres";               # OS user the PostgreSQL tools run as (runuser -u)
#     dumpDir = null;                  # staging dir; null = /var/backup/postgresql/<service>
#     pgbackrest = {
#       enable = false;                # pgbackrest stanza-create + backup before restic
#       stanza = null;                 # required when enabled
#       repoPath = "/var/lib/pgbackrest"; # pgBackRest's repo1-path, backed up by restic
#       type = "full";                 # full | diff | incr
#     };
#   };
#
# Semantics: docs/backup-module.md, "PostgreSQL".
let
  inherit (builtins)
    attrNames
    concatMap
    concatStringsSep
    elem
    elemAt
    genList
    isAttrs
    isBool
    isList
    isString
    length
    match
    substring
    toJSON
    typeOf
    ;

  shell = import ./scripts/shell.nix;

  defaults = {
    databases = [ ];
    user = "postgres";
    dumpDir = null;
    pgbackrest = pgbackrestDefaults;
  };
  pgbackrestDefaults = {
    enable = false;
    stanza = null;
    repoPath = "/var/lib/pgbackrest";
    type = "full";
  };

  showPart = s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else toJSON s;
  describe = v: if isString v || isBool v || v == null then toJSON v else typeOf v;

  # Database names become file names and command arguments: no leading dash, no slash.
  isDatabase = s: isString s && match "[A-Za-z0-9_][A-Za-z0-9_.-]*" s != null;
  isUser = s: isString s && match "[a-z_][a-z0-9_-]*" s != null;
  isStanza = s: isString s && match "[A-Za-z0-9_][A-Za-z0-9_.-]*" s != null;
  isAbsPath = s: isString s && substring 0 1 s == "/" && match "[^\n]*" s != null && match ".*(^|/)\\.\\.(/|$).*" s == null;

  fields =
    checkers: opt: v:
    if !isAttrs v then
      [ "${opt}: expected an attribute set, got ${describe v}" ]
    else
      concatMap (
        f: (checkers.${f} or (o: _: [ "${o}: unknown option" ])) "${opt}.${showPart f}" v.${f}
      ) (attrNames v);

  checkPgbackrest =
    opt: v:
    fields {
      enable = o: x: if isBool x then [ ] else [ "${o}: expected a boolean, got ${describe x}" ];
      stanza =
        o: x:
        if x == null || isStanza x then [ ] else [ "${o}: ${describe x} is not a stanza name ([A-Za-z0-9_][A-Za-z0-9_.-]*)" ];
      repoPath = o: x: if isAbsPath x then [ ] else [ "${o}: ${describe x} is not an absolute path" ];
      type =
        o: x:
        if elem x [ "full" "diff" "incr" ] then [ ] else [ "${o}: ${describe x} is not one of \"full\", \"diff\", \"incr\"" ];
    } opt v
    ++ (
      if isAttrs v && (v.enable or false) == true && (v.stanza or null) == null then
        [ "${opt}.stanza: must be set when ${opt}.enable is true" ]
      else
        [ ]
    );

  # opt = "qgroget.serviceModules.<name>.backup.postgres"; null means "no PostgreSQL".
  check =
    opt: v:
    if v == null then
      [ ]
    else
      fields {
        databases =
          o: x:
          if !isList x then
            [ "${o}: expected a list of database names, got ${describe x}" ]
          else
            concatMap (
              i:
              let
                d = elemAt x i;
              in
              if isDatabase d then [ ] else [ "${o}[${toString i}]: ${describe d} is not a database name ([A-Za-z0-9_][A-Za-z0-9_.-]*)" ]
            ) (genList (i: i) (length x));
        user = o: x: if isUser x then [ ] else [ "${o}: ${describe x} is not a user name ([a-z_][a-z0-9_-]*)" ];
        dumpDir = o: x: if x == null || isAbsPath x then [ ] else [ "${o}: ${describe x} is not an absolute path" ];
        pgbackrest = checkPgbackrest;
      } opt v
      ++ (
        if
          isAttrs v
          && isList (v.databases or [ ])
          && (v.databases or [ ]) == [ ]
          && !((v.pgbackrest or { }).enable or false == true)
        then
          [ "${opt}.databases: is empty and pgbackrest is not enabled: nothing to back up" ]
        else
          [ ]
      );

  # The contract's value with defaults, for a valid input; null stays null.
  normalise =
    service: v:
    if v == null then
      null
    else
      let
        pb = pgbackrestDefaults // (v.pgbackrest or { });
        d = defaults // v;
      in
      {
        inherit (d) databases user;
        dumpDir = if d.dumpDir == null then "/var/backup/postgresql/${service}" else d.dumpDir;
        pgbackrest = pb;
      };

  # Paths the restic job backs up in addition to the registration's.
  extraPaths = pg: (if pg.databases != [ ] then [ pg.dumpDir ] else [ ]) ++ (if pg.pgbackrest.enable then [ pg.pgbackrest.repoPath ] else [ ]);

  q = shell.quote;
  asUser = pg: "runuser -u ${q pg.user} --";

  # Prepare lines (bash, errexit on, after the units are stopped and preBackup ran). Each dump
  # is written under a temporary name and renamed: a dump that is there is complete.
  prepareLines =
    job: pg:
    [
      "# PostgreSQL: one pg_dump --format=custom per database into the staging dir, then pgBackRest."
    ]
    ++ (
      if pg.databases == [ ] then
        [ ]
      else
        [
          "rm -rf -- ${q pg.dumpDir}"
          "mkdir -p -- ${q pg.dumpDir}"
          "chmod 0700 -- ${q pg.dumpDir}"
        ]
        ++ concatMap (db: [
          "echo \"nixdrill[${job}]: pg_dump ${db}\" >&2"
          "${asUser pg} pg_dump --format=custom --dbname=${q db} >${q "${pg.dumpDir}/${db}.dump.partial"}"
          "mv -- ${q "${pg.dumpDir}/${db}.dump.partial"} ${q "${pg.dumpDir}/${db}.dump"}"
        ]) pg.databases
    )
    ++ (
      if !pg.pgbackrest.enable then
        [ ]
      else
        [
          "echo \"nixdrill[${job}]: pgbackrest stanza ${pg.pgbackrest.stanza}: ${pg.pgbackrest.type} backup\" >&2"
          # stanza-create is idempotent for an existing, matching stanza.
          "${asUser pg} pgbackrest --stanza=${q pg.pgbackrest.stanza} stanza-create"
          "${asUser pg} pgbackrest --stanza=${q pg.pgbackrest.stanza} --type=${q pg.pgbackrest.type} backup"
        ]
    );

  # Cleanup lines (bash, errexit off, nixdrill_rc collects failures): the staging dir goes, also
  # after a failed dump or backup.
  cleanupLines =
    job: pg:
    if pg.databases == [ ] then
      [ ]
    else
      [
        "rm -rf -- ${q pg.dumpDir} || nixdrill_rc=$?"
      ];

  # The restic repository of a job's restore scripts (the environment file is sourced by them).
  repositoryAssignments =
    {
      repository,
      passwordFile,
      environmentFile,
    }:
    [
      {
        name = "RESTIC_REPOSITORY";
        value = repository;
      }
      {
        name = "RESTIC_PASSWORD_FILE";
        value = passwordFile;
      }
      {
        name = "NIXDRILL_ENVIRONMENT_FILE";
        value = environmentFile;
      }
    ];

  # restore-<job>.sh: restores the dumps of a restic snapshot into the running cluster.
  restoreScript =
    {
      job,
      pg,
      repository,
      passwordFile,
      environmentFile,
    }:
    "#!/usr/bin/env bash\n"
    + "# PostgreSQL restore of backup job ${job}, rendered by nixdrill (nix/lib/postgres.nix).\n"
    + "# Usage: restore-${job}.sh [SNAPSHOT [DATABASE...]]   (SNAPSHOT: a restic id or latest)\n"
    + "# Restores the dumps from SNAPSHOT (restic restore --verify into a private temporary dir),\n"
    + "# then each DATABASE (default: all of the job's) with pg_restore --clean --create: the\n"
    + "# database is dropped and created again from its dump. PostgreSQL must be running.\n"
    + "set -euo pipefail\n"
    + shell.assignments (
      repositoryAssignments { inherit repository passwordFile environmentFile; }
      ++ [
      {
        name = "NIXDRILL_DUMP_DIR";
        value = pg.dumpDir;
      }
      {
        name = "NIXDRILL_DATABASES";
        value = pg.databases;
      }
      {
        name = "NIXDRILL_PG_USER";
        value = pg.user;
      }
      ]
    )
    + "export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE\n"
    + concatStringsSep "\n" [
      "log() { printf 'nixdrill-restore[%s]: %s\\n' ${q job} \"$*\" >&2; }"
      "snapshot=\${1:-latest}"
      "(($# > 0)) && shift"
      "databases=(\"$@\")"
      "((\${#databases[@]} > 0)) || databases=(\"\${NIXDRILL_DATABASES[@]}\")"
      "# shellcheck disable=SC1090 # the repository's environment file, rendered"
      "if [[ -n $NIXDRILL_ENVIRONMENT_FILE ]]; then set -a; . \"$NIXDRILL_ENVIRONMENT_FILE\"; set +a; fi"
      "work=$(mktemp -d)"
      "trap 'rm -rf -- \"$work\"' EXIT"
      "# latest: the newest snapshot that holds the staging dir (the job's own snapshots)."
      "restic restore \"$snapshot\" --path \"$NIXDRILL_DUMP_DIR\" --include \"$NIXDRILL_DUMP_DIR\" --target \"$work\" --verify >&2"
      "for db in \"\${databases[@]}\"; do"
      "  dump=$work$NIXDRILL_DUMP_DIR/$db.dump"
      "  [[ -f $dump ]] || { log \"snapshot $snapshot has no dump of database $db\"; exit 1; }"
      "  log \"pg_restore $db from snapshot $snapshot\""
      "  # Read by root and fed on stdin: the dump stays unreadable to other users."
      "  runuser -u \"$NIXDRILL_PG_USER\" -- pg_restore --clean --if-exists --create --exit-on-error --dbname=postgres <\"$dump\""
      "done"
      "log \"restored \${#databases[@]} database(s)\""
    ]
    + "\n";

  # pitr-<job>.sh (pgBackRest enabled): a point-in-time restore from the pgBackRest repository
  # as a restic snapshot holds it: the lost server's way back.
  pitrScript =
    {
      job,
      pg,
      repository,
      passwordFile,
      environmentFile,
    }:
    "#!/usr/bin/env bash\n"
    + "# PostgreSQL point-in-time restore of backup job ${job}, rendered by nixdrill (nix/lib/postgres.nix).\n"
    + "# Usage: pitr-${job}.sh TARGET_TIME [SNAPSHOT]   (TARGET_TIME: a PostgreSQL timestamp with\n"
    + "# time zone, e.g. '2026-11-24 10:00:00+00'; SNAPSHOT: a restic id or latest)\n"
    + "# Restores pgBackRest's repository from SNAPSHOT in place (restic restore --verify), then\n"
    + "# `pgbackrest restore --type=time --target=TARGET_TIME --target-action=promote --delta` into\n"
    + "# the cluster's data directory: pgBackRest picks the newest backup set that ended before\n"
    + "# TARGET_TIME and replays the archived WAL up to it. PostgreSQL must be stopped; start it\n"
    + "# afterwards (it finishes recovery at TARGET_TIME and is promoted).\n"
    + "set -euo pipefail\n"
    + shell.assignments (
      repositoryAssignments { inherit repository passwordFile environmentFile; }
      ++ [
      {
        name = "NIXDRILL_PGBACKREST_REPO";
        value = pg.pgbackrest.repoPath;
      }
      {
        name = "NIXDRILL_STANZA";
        value = pg.pgbackrest.stanza;
      }
      {
        name = "NIXDRILL_PG_USER";
        value = pg.user;
      }
      ]
    )
    + "export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE\n"
    + concatStringsSep "\n" [
      "log() { printf 'nixdrill-pitr[%s]: %s\\n' ${q job} \"$*\" >&2; }"
      "(($# >= 1 && $# <= 2)) || { echo \"usage: $0 TARGET_TIME [SNAPSHOT]\" >&2; exit 2; }"
      "target=$1"
      "snapshot=\${2:-latest}"
      "# shellcheck disable=SC1090 # the repository's environment file, rendered"
      "if [[ -n $NIXDRILL_ENVIRONMENT_FILE ]]; then set -a; . \"$NIXDRILL_ENVIRONMENT_FILE\"; set +a; fi"
      "if runuser -u \"$NIXDRILL_PG_USER\" -- pg_isready -q 2>/dev/null; then log 'PostgreSQL is running: stop it first'; exit 1; fi"
      "log \"restoring $NIXDRILL_PGBACKREST_REPO from snapshot $snapshot\""
      "# latest: the newest snapshot that holds the pgBackRest repository (the job's own snapshots)."
      "restic restore \"$snapshot\" --path \"$NIXDRILL_PGBACKREST_REPO\" --include \"$NIXDRILL_PGBACKREST_REPO\" --target / --verify >&2"
      "log \"pgbackrest restore of stanza $NIXDRILL_STANZA to $target\""
      "runuser -u \"$NIXDRILL_PG_USER\" -- pgbackrest --stanza=\"$NIXDRILL_STANZA\" --delta --type=time \"--target=$target\" --target-action=promote restore >&2"
      "log 'restored: start PostgreSQL to replay the archived WAL up to the target'"
    ]
    + "\n";
in
{
  inherit
    check
    normalise
    extraPaths
    prepareLines
    cleanupLines
    restoreScript
    pitrScript
    repositoryAssignments
    defaults
    ;
}
