#!/usr/bin/env bash
# The real-service drills (scenarios/services: Debian's MariaDB and Redis, each behind a probe
# application, and an SQLite-backed application; with its contract's own dump hook, a writer during the backup, the rendered
# restore-<job>.sh with postRestore, application checks, the unprotected-state audit) through the
# real nixdrill binary, libvirt and QEMU, plus a negative control per service: a contract mistake
# a user makes must make the drill fail, for its reason; and the audit of a contract that leaves
# its live database undeclared. Prints TAP. Usage: services.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"

# 1. The shipped drills pass (in one run: in parallel), with their evidence.
start=$SECONDS
"$nixdrill" run "$root/scenarios/services" --junit "$work/j.xml" --json "$work/r.json" --prometheus "$work/m.prom" \
    >"$work/out" 2>&1
rc=$?
echo "# service drills took $((SECONDS - start)) s"
keep_reports services "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "service drills pass" test $rc -eq 0
notes() { jq -r --arg s "drill.$1" --arg c "$2" '.suites[] | select(.name == $s) | .cases[] | select(.name == $c) | .output' "$work/r.json"; }
for d in mariadb:shop redis:queue sqlite:ledger; do
    drill=drill-${d%%:*} service=${d#*:}
    check "$drill: restored by the rendered restore-service-$service.sh" \
        bash -c "grep -q 'restore-service-$service.sh .*exit 0' <<<\"\$1\"" _ "$(notes "$drill" restore-in-place)"
    check "$drill: the writer's restored progress is from the backup's run" \
        bash -c "grep -q 'restored progress [0-9]* (the writer was at' <<<\"\$1\"" _ "$(notes "$drill" restore-in-place)"
    check "$drill: the dump is what restic read" \
        bash -c "grep -q ' restored, 0 differences' <<<\"\$1\"" _ "$(notes "$drill" restore-in-place)"
    check "$drill: RTO recorded" grep -q "nixdrill_drill_rto_seconds{.*scenario=\"$drill\".*job=\"service-$service\"}" "$work/m.prom"
    check "$drill: the audit finds nothing unprotected" \
        bash -c "grep -q ' 0 unprotected in 0 directories' <<<\"\$1\"" _ "$(notes "$drill" audit)"
done
for d in mariadb:/var/lib/mysql redis:/var/lib/redis sqlite:/var/lib/ledger; do
    check "drill-${d%%:*}: the audit counts the live data directory as declared" \
        bash -c "grep -q 'declared:.* ${d#*:}\\( \\|;\\)' <<<\"\$1\"" _ "$(notes "drill-${d%%:*}" audit)"
done
check "mariadb: the rows are checked" bash -c "grep -q 'consistent: 1' <<<\"\$1\"" _ "$(notes drill-mariadb ready-after-restore)"
check "sqlite: the integrity check ran" bash -c "grep -q \"application check 'integrity' (exit 0)\" <<<\"\$1\"" _ "$(notes drill-sqlite ready-after-restore)"
check "redis: the keys are checked" bash -c "grep -q 'seeded keys: 1000' <<<\"\$1\"" _ "$(notes drill-redis ready-after-restore)"
check "no nixdrill domain left" test "$(domains)" -eq 0

# 2. Negative controls, in one run. Each drill must fail at its step, with its reason, and the
# steps before (the bytes restored are the ones restic read) must still pass.
mkdir -p "$work/neg"
# MariaDB: the dump taken one table at a time, outside one transaction: each table is itself,
# but the writer committed between them, so the restored orders and counter disagree.
jq '.services.shop.preBackup = "mkdir -p /var/backup/shop\n{\n  echo \"CREATE DATABASE IF NOT EXISTS shop; USE shop;\"\n  for t in counter orders; do mariadb-dump --skip-lock-tables shop \"$t\"; done\n} >/var/backup/shop/shop.sql"' \
    "$root/scenarios/services/drill-mariadb.json" >"$work/neg/drill-mariadb.json"
# Redis: postRestore puts the dump back as the server's dump.rdb but does not restart the
# server, which reads that file only when it starts: the flushed data set stays.
jq '.services.queue.postRestore = "install -o redis -g redis -m 0660 /var/backup/queue/dump.rdb /var/lib/redis/dump.rdb"' \
    "$root/scenarios/services/drill-redis.json" >"$work/neg/drill-redis.json"
# SQLite: the hook copies the live database file (cp) instead of sqlite3's .backup: in WAL mode
# the recent commits live in ledger.db-wal, so the copy is not the database at backup time.
jq '.services.ledger.preBackup = "mkdir -p /var/backup/ledger\ncp /var/lib/ledger/ledger.db /var/backup/ledger/ledger.db"' \
    "$root/scenarios/services/drill-sqlite.json" >"$work/neg/drill-sqlite.json"
# The unprotected-state audit: the SQLite contract without the one that declares its live
# database (seed, then audit; nothing after is needed): exactly that directory is reported. The
# same with severity warn passes and still counts it.
jq 'del(.services["ledger-db"]) | .drill.steps |= .[0:2]' "$root/scenarios/services/drill-sqlite.json" \
    >"$work/neg/drill-sqlite-unpersisted.json"
jq 'del(.services["ledger-db"]) | .drill.steps |= .[0:2] | .drill.steps[1].severity = "warn"' \
    "$root/scenarios/services/drill-sqlite.json" >"$work/neg/drill-sqlite-unpersisted-warn.json"
# A mistake may also hang a step: bounded well below the default 15 min.
for f in "$work"/neg/*.json; do
    jq '.drill.timeouts.step = 180' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
start=$SECONDS
"$nixdrill" run "$work/neg" --json "$work/neg.json" >"$work/out" 2>&1
rc=$?
echo "# negative controls took $((SECONDS - start)) s"
sed 's/^/# /' "$work/out"
check "negative controls: the run fails" test $rc -eq 1
failed() { jq -c --arg s "drill.$1" '[.suites[] | select(.name == $s) | .cases[] | select(.outcome != "passed" and .outcome != "skipped") | {name, outcome, message}]' "$work/neg.json"; }
failed drill-mariadb >"$work/neg-mariadb.json"
check "mariadb torn dump: only the check after the restore fails" \
    jq -e 'length == 1 and .[0].name == "ready-after-restore" and .[0].outcome == "failed"' "$work/neg-mariadb.json"
check "mariadb torn dump: the orders do not match the counter" \
    jq -e '.[0].message | contains("orders match the counter") and contains("consistent: 0")' "$work/neg-mariadb.json"
failed drill-redis >"$work/neg-redis.json"
check "redis without a restart: the restore fails" \
    jq -e 'map(select(.name == "restore-in-place"))[0].outcome == "failed"' "$work/neg-redis.json"
check "redis without a restart: the server does not hold the backup's data set" \
    jq -e 'map(select(.name == "restore-in-place"))[0].message | contains("has no readable progress counter")' \
    "$work/neg-redis.json"
check "redis without a restart: the seeded keys are missing" \
    jq -e 'map(select(.name == "ready-after-restore"))[0].message | contains("seeded keys: 0")' "$work/neg-redis.json"
check "redis without a restart: nothing broke" jq -e 'all(.outcome == "failed")' "$work/neg-redis.json"
failed drill-sqlite >"$work/neg-sqlite.json"
check "sqlite file copy: the restore fails" \
    jq -e 'map(select(.name == "restore-in-place"))[0].outcome == "failed"' "$work/neg-sqlite.json"
check "sqlite file copy: the restored database is not the backup's" \
    jq -e 'map(select(.name == "restore-in-place"))[0].message | test("not a point from backup 1|has no readable progress counter")' \
    "$work/neg-sqlite.json"
check "sqlite file copy: nothing broke" jq -e 'all(.outcome == "failed")' "$work/neg-sqlite.json"
failed drill-sqlite-unpersisted >"$work/neg-audit.json"
check "audit: only the audit fails" jq -e 'length == 1 and .[0].name == "audit" and .[0].outcome == "failed"' \
    "$work/neg-audit.json"
check "audit: the undeclared live database is reported, and nothing else" \
    jq -e '.[0].message | contains("in 1 directories written since the services started that no contract declares") and
           contains("\n/var/lib/ledger: 1 file(s) (ledger.db)")' "$work/neg-audit.json"
check "audit (warn): passes" test "$(failed drill-sqlite-unpersisted-warn)" = "[]"
check "audit (warn): still counts the undeclared file" \
    jq -e '[.suites[] | select(.name == "drill.drill-sqlite-unpersisted-warn") | .cases[] | select(.name == "audit") |
            .properties["audit.unprotected"]] == ["1"]' "$work/neg.json"
check "negative controls: no nixdrill domain left" test "$(domains)" -eq 0
tap_finish
