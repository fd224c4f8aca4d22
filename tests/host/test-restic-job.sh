#!/usr/bin/env bash
# Host test of the rendered run-<job>.sh against a real local restic repository (restic on
# the host, 0.14.0 on Debian 12) and a fake systemctl that records its calls: success,
# retention, failures of restic, of each hook and of systemctl, the split ExecStartPre= /
# ExecStart= / ExecStopPost= mode, an incomplete snapshot (exit 3) and SIGTERM. The unit
# stop/start order and the restart after every kind of failure are asserted from the
# recorded calls, so a skipped cleanup fails these tests.
source "$(dirname "$0")/lib.sh"
make_scratch

data="$SCRATCH/data"
repo="$SCRATCH/repo"
metrics="$SCRATCH/metrics"
bin="$SCRATCH/bin"
calls="$SCRATCH/systemctl.log"
export HOOK_LOG="$SCRATCH/hooks.log"
mkdir -p "$data/db/cache" "$data/db-dumps" "$data/etc" "$SCRATCH/run"
echo "rows" >"$data/db/table"
echo "scratch" >"$data/db/cache/query.tmp"
echo "dump" >"$data/db-dumps/dump.sql"
echo "conf" >"$data/etc/app.conf"
printf 'correct horse\n' >"$SCRATCH/password"
printf 'RESTIC_CACHE_DIR=%s\n' "$SCRATCH/env-cache" >"$SCRATCH/repo.env"
install_fake_systemctl "$bin" "$calls"
export PATH="$bin:$PATH"
export RESTIC_PASSWORD_FILE="$SCRATCH/password" RESTIC_REPOSITORY="$repo"

# Hooks log what ran; the FAIL_*/SLOW_PRE variables make them fail or hang at run time.
result=$(render_json render-backup.nix args "{
  services.db = {
    enable = true;
    dataDir = \"$data/db\";
    backupPaths = [ \"$data/db-dumps\" ];
    systemdUnits = [ \"db.service\" \"db-proxy.service\" ];
    priority = 10;
    exclude = [ \"*.tmp\" ];
    preBackup = ''
      echo pre >>\"\$HOOK_LOG\"
      if [ -n \"\$SLOW_PRE\" ]; then echo sleeping >>\"\$HOOK_LOG\"; sleep 30; fi
      test -z \"\$FAIL_PRE\"
      echo pre-done >>\"\$HOOK_LOG\"
    '';
    postBackup = ''
      echo post >>\"\$HOOK_LOG\"
      test -z \"\$FAIL_POST\"
    '';
    backup.tags = [ \"critical\" ];
  };
  config = {
    enable = true;
    restic.repositories.local = {
      url = \"$repo\";
      passwordFile = \"$SCRATCH/password\";
      environmentFile = \"$SCRATCH/repo.env\";
      primary = true;
    };
    restic.globalSettings.retention = { daily = 1; weekly = 0; monthly = 0; yearly = 0; };
    restic.jobs.incomplete = {
      paths = [ \"$data/etc\" \"/proc/sys/vm/compact_memory\" ];
      tags = [ \"system\" ];
    };
    monitoring.prometheus = { enable = true; metricsDir = \"$metrics\"; };
  };
  hostName = \"testhost\";
}")
write_files "$result" .files "$SCRATCH/out"
run="$SCRATCH/out/run-service-db.sh"
prom="$metrics/restic-service-db.prom"
export RUNTIME_DIRECTORY="$SCRATCH/run"

reset_logs() { : >"$calls"; : >"$HOOK_LOG"; }
calls_are() { tap_eq "$1" "$2" "$(cat "$calls")"; }
snapshots() { restic snapshots --json --tag db 2>/dev/null | jq length; }
stop_start='stop db.service
stop db-proxy.service
start db-proxy.service
start db.service'

# --- 1. success, repository initialised on first use ------------------------------------------
reset_logs
"$run" >"$SCRATCH/out.log" 2>&1
rc=$?
tap_eq "success: exit 0" 0 "$rc"
tap_check "success: repository initialised" test -f "$repo/config"
calls_are "success: units stopped in order, started in reverse" "$stop_start"
tap_eq "success: hooks ran" $'pre\npre-done\npost' "$(cat "$HOOK_LOG")"
tap_eq "success: one snapshot" 1 "$(snapshots)"
tap_eq "success: snapshot tags" '["critical","db"]' "$(restic snapshots --json --tag db | jq -c '.[0].tags | sort')"
listing=$(restic ls latest --tag db 2>/dev/null)
tap_check "success: data and dump backed up" grep -q "db-dumps/dump.sql" <<<"$listing"
tap_check "success: table backed up" grep -q "db/table" <<<"$listing"
tap_check "success: *.tmp excluded" bash -c "! grep -q query.tmp <<<'$listing'"
tap_check "success: environment file used (RESTIC_CACHE_DIR)" test -d "$SCRATCH/env-cache"
tap_eq "success: metrics status 1" 1 "$(prom_value "$prom" restic_backup_status)"
tap_check "success: promtool" sh -c "promtool check metrics <'$prom'"
tap_check "success: no secret in the log" bash -c "! grep -q 'correct horse' '$SCRATCH/out.log'"
last_success=$(prom_value "$prom" restic_backup_last_success_timestamp)
first_id=$(restic snapshots --json --tag db | jq -r '.[0].id')

# --- 2. retention: keep-daily 1 prunes the first snapshot ---------------------------------------
sleep 1
reset_logs
"$run" >/dev/null 2>&1
tap_eq "retention: exit 0" 0 "$?"
tap_eq "retention: still one snapshot after keep-daily 1" 1 "$(snapshots)"
tap_check "retention: the first snapshot was forgotten" \
    test "$(restic snapshots --json --tag db | jq -r '.[0].id')" != "$first_id"
last_success=$(prom_value "$prom" restic_backup_last_success_timestamp)

# --- 3. restic fails (wrong password): units restarted, last success kept ------------------------
reset_logs
printf 'wrong\n' >"$SCRATCH/password"
"$run" >"$SCRATCH/out.log" 2>&1
rc=$?
printf 'correct horse\n' >"$SCRATCH/password"
tap_eq "wrong password: restic's status 1 returned" 1 "$rc"
calls_are "wrong password: units started again" "$stop_start"
tap_eq "wrong password: postBackup still ran" $'pre\npre-done\npost' "$(cat "$HOOK_LOG")"
tap_eq "wrong password: metrics status 0" 0 "$(prom_value "$prom" restic_backup_status)"
tap_eq "wrong password: category fatal (restic 0.14 has no exit 12)" 1 \
    "$(prom_value "$prom" restic_backup_last_run_info 'category="fatal"')"
tap_eq "wrong password: previous last success kept" "$last_success" \
    "$(prom_value "$prom" restic_backup_last_success_timestamp)"
tap_check "wrong password: promtool" sh -c "promtool check metrics <'$prom'"
tap_check "wrong password: no secret in the log" bash -c "! grep -q 'correct horse' '$SCRATCH/out.log'"

# --- 4. preBackup fails: no backup, units restarted, postBackup still runs ------------------------
reset_logs
before=$(restic snapshots --json --tag db | jq -r '.[0].id')
FAIL_PRE=1 "$run" >/dev/null 2>&1
tap_check "preBackup failure: non-zero exit" test $? -ne 0
calls_are "preBackup failure: units started again" "$stop_start"
tap_eq "preBackup failure: hook stopped at the failing command; postBackup ran" $'pre\npost' "$(cat "$HOOK_LOG")"
tap_eq "preBackup failure: no new snapshot" "$before" "$(restic snapshots --json --tag db | jq -r '.[0].id')"
tap_eq "preBackup failure: category prepare_failed" 1 \
    "$(prom_value "$prom" restic_backup_last_run_info 'category="prepare_failed"')"

# --- 5. postBackup fails: backup kept, units restarted, failure reported -------------------------
reset_logs
FAIL_POST=1 "$run" >/dev/null 2>&1
tap_check "postBackup failure: non-zero exit" test $? -ne 0
calls_are "postBackup failure: units started again" "$stop_start"
tap_check "postBackup failure: a new snapshot was made" \
    test "$(restic snapshots --json --tag db | jq -r '.[0].id')" != "$before"
tap_eq "postBackup failure: the backup itself counts as a success" 1 "$(prom_value "$prom" restic_backup_status)"

# --- 6. stopping the second unit fails: abort, start both -----------------------------------------
reset_logs
FAKE_SYSTEMCTL_FAIL="stop:db-proxy.service" "$run" >/dev/null 2>&1
tap_check "stop failure: non-zero exit" test $? -ne 0
calls_are "stop failure: both units started again in reverse order" "$stop_start"
tap_eq "stop failure: preBackup not run, postBackup run" post "$(cat "$HOOK_LOG")"

# --- 7. starting one unit fails: the others are still started ------------------------------------
reset_logs
FAKE_SYSTEMCTL_FAIL="start:db-proxy.service" "$run" >/dev/null 2>&1
tap_check "start failure: non-zero exit" test $? -ne 0
calls_are "start failure: the next unit is still started" "$stop_start"

# --- 8. the systemd way: separate steps, status through the environment ---------------------------
reset_logs
rm -f "$prom"
tap_check "split: prepare" "$run" prepare
printf 'wrong\n' >"$SCRATCH/password"
"$run" backup >/dev/null 2>&1
status=$?
printf 'correct horse\n' >"$SCRATCH/password"
EXIT_STATUS=$status SERVICE_RESULT=exit-code "$run" metrics
tap_check "split: cleanup" "$run" cleanup
calls_are "split: units stopped, then started in reverse" "$stop_start"
tap_eq "split: metrics from EXIT_STATUS" 1 "$(prom_value "$prom" restic_backup_exit_code)"
tap_eq "split: no previous file, last success 0" 0 "$(prom_value "$prom" restic_backup_last_success_timestamp)"

# --- 9. an unreadable file: restic exit 3, incomplete ------------------------------------------------
if cat /proc/sys/vm/compact_memory >/dev/null 2>&1 || [[ ! -e /proc/sys/vm/compact_memory ]]; then
    tap_skip "incomplete snapshot: exit 3" "needs an unreadable /proc/sys/vm/compact_memory on this kernel"
else
    "$SCRATCH/out/run-incomplete.sh" >/dev/null 2>&1
    tap_eq "incomplete snapshot: restic's exit 3 returned" 3 "$?"
    tap_eq "incomplete snapshot: category incomplete" 1 \
        "$(prom_value "$metrics/restic-incomplete.prom" restic_backup_last_run_info 'category="incomplete"')"
    tap_eq "incomplete snapshot: status 0" 0 "$(prom_value "$metrics/restic-incomplete.prom" restic_backup_status)"
fi

# --- 10. SIGTERM while preBackup hangs: cleanup still runs --------------------------------------
reset_logs
SLOW_PRE=1 setsid "$run" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q sleeping "$HOOK_LOG" 2>/dev/null && break; sleep 0.1; done
kill -TERM -- "-$pid"
wait "$pid"
rc=$?
tap_eq "SIGTERM: exit 143" 143 "$rc"
calls_are "SIGTERM: units started again" "$stop_start"
tap_eq "SIGTERM: category killed" 1 "$(prom_value "$prom" restic_backup_last_run_info 'category="killed"')"

# --- 11. a stale lock (restic SIGKILLed mid-backup) does not block the next run ----------------
# The negative control first: with the stale lock in place, forget --prune (an exclusive lock)
# really fails; then the rendered job, which removes stale locks only, succeeds.
# restic holds its lock while it waits on stdin (a FIFO kept open, never written), and is
# killed only once that lock reads back whole: a kill while restic 0.14 still writes the lock
# file leaves an unreadable lock that both restic commands ignore (CI saw that once).
mkfifo "$SCRATCH/stdin.fifo"
exec {hold}<>"$SCRATCH/stdin.fifo"
restic backup -q --stdin --stdin-filename stuck <"$SCRATCH/stdin.fifo" >/dev/null 2>&1 &
rpid=$!
lock_whole() {
    local id
    id=$(restic --no-lock list locks 2>/dev/null | head -n1)
    test -n "$id" && restic --no-lock cat lock "$id" 2>/dev/null | grep -q '"pid"'
}
for _ in $(seq 120); do lock_whole && break; sleep 0.5; done
kill -KILL "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
exec {hold}>&-
tap_check "stale lock: restic killed while holding its lock" lock_whole
tap_check "stale lock: an exclusive lock fails while it is there" \
    bash -c "! restic forget --prune --keep-last 100 >/dev/null 2>&1"
reset_logs
"$run" >"$SCRATCH/out.log" 2>&1
tap_eq "stale lock: the next run succeeds" 0 "$?"
tap_check "stale lock: no lock left" bash -c "! compgen -G '$repo/locks/*'"
tap_eq "stale lock: category ok" 1 "$(prom_value "$prom" restic_backup_last_run_info 'category="ok"')"
tap_eq "stale lock: check clean" 0 "$(restic check >/dev/null 2>&1; echo $?)"

# --- 12. the repository's disk is full: category storage, last success kept --------------------
if mkdir -p "$SCRATCH/full" && mount -t tmpfs -o size=4m nixdrill-host-test "$SCRATCH/full" 2>/dev/null; then
    umount "$SCRATCH/full"
    used=$(du -sk "$repo" | cut -f1)
    mv "$repo" "$repo.saved"
    mkdir -p "$repo"
    mount -t tmpfs -o size=$((used + 512))k nixdrill-host-test "$repo"
    cp -a "$repo.saved/." "$repo/"
    head -c 4000000 /dev/urandom >"$data/db/grown.bin"
    before_success=$(prom_value "$prom" restic_backup_last_success_timestamp)
    sleep 1
    reset_logs
    "$run" >"$SCRATCH/out.log" 2>&1
    rc=$?
    tap_check "disk full: the job fails" test "$rc" -ne 0
    tap_eq "disk full: category storage" 1 "$(prom_value "$prom" restic_backup_last_run_info 'category="storage"')"
    tap_eq "disk full: counted under storage" 1 "$(prom_value "$prom" restic_backup_errors_total 'category="storage"')"
    tap_eq "disk full: last success kept" "$before_success" "$(prom_value "$prom" restic_backup_last_success_timestamp)"
    calls_are "disk full: units started again" "$stop_start"
    tap_check "disk full: promtool" sh -c "promtool check metrics <'$prom'"
    umount "$repo"
    rmdir "$repo"
    mv "$repo.saved" "$repo"
    rm -f "$data/db/grown.bin"
else
    tap_fail "disk full: cannot mount a small tmpfs for the repository (needs root)"
fi

tap_done
