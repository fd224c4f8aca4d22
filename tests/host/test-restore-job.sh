#!/usr/bin/env bash
# Host test of the rendered restore-<job>.sh of a contract with postRestore (nix/lib/scripts/
# restore-job.sh behind its rendered header) against a real local restic repository and a fake
# systemctl that records its calls: the in-place restore of latest and of an id, the order
# (units stopped, restored, units started, then postRestore), a failing postRestore, a unit that
# does not stop (nothing restored), a snapshot that does not exist (postRestore not run, units
# started again), bad usage, shellcheck.
source "$(dirname "$0")/lib.sh"
make_scratch

dump="$SCRATCH/data/backup/shop"
bin="$SCRATCH/bin"
calls="$SCRATCH/systemctl.log"
mkdir -p "$dump"
printf 'CREATE TABLE orders;\n' >"$dump/shop.sql"
printf 'correct horse\n' >"$SCRATCH/password"
install_fake_systemctl "$bin" "$calls"
export PATH="$bin:$PATH" HOOK_LOG="$calls"

result=$(render_json render-backup.nix args "{
  services.shop = {
    enable = true;
    backupPaths = [ \"$dump\" ];
    systemdUnits = [ \"shop.service\" \"shop-worker.service\" ];
    postRestore = ''
      echo \"postRestore \$(cat '$dump/shop.sql')\" >>\"\$HOOK_LOG\"
      test -z \"''\${FAIL_POST:-}\"
    '';
  };
  config = {
    enable = true;
    restic.repositories.local = { url = \"$SCRATCH/repo\"; passwordFile = \"$SCRATCH/password\"; primary = true; };
  };
}")
write_files "$result" .files "$SCRATCH/out"
restore="$SCRATCH/out/restore-service-shop.sh"
tap_check "rendered: restore-service-shop.sh" test -x "$restore"
tap_check "shellcheck" shellcheck -s bash "$restore"

export RESTIC_REPOSITORY="$SCRATCH/repo" RESTIC_PASSWORD_FILE="$SCRATCH/password"
restic init -q >/dev/null 2>&1
restic backup -q "$dump" >/dev/null 2>&1
first=$(restic snapshots --json 2>/dev/null | jq -r '.[0].id')
printf 'CREATE TABLE orders; INSERT 1;\n' >"$dump/shop.sql"
restic backup -q "$dump" >/dev/null 2>&1
tap_check "two snapshots to restore from" test "$(restic snapshots --json 2>/dev/null | jq length)" -eq 2

# latest: the newest snapshot of the job's paths, in place, in order.
rm -rf "$dump"
: >"$calls"
out=$("$restore" 2>&1)
tap_eq "latest: exit 0" 0 "$?"
tap_eq "latest: the newest dump is back" "CREATE TABLE orders; INSERT 1;" "$(cat "$dump/shop.sql" 2>/dev/null)"
tap_eq "latest: stop, stop, start, start, then postRestore on the restored file" \
    "stop shop.service|stop shop-worker.service|start shop.service|start shop-worker.service|postRestore CREATE TABLE orders; INSERT 1;" \
    "$(paste -sd'|' "$calls")"
tap_check "latest: it says so" grep -q "nixdrill-restore\[service-shop\]: restored" <<<"$out"

# An id: that snapshot's files.
rm -rf "$dump"
"$restore" "$first" >/dev/null 2>&1
tap_eq "by id: exit 0" 0 "$?"
tap_eq "by id: the first dump is back" "CREATE TABLE orders;" "$(cat "$dump/shop.sql" 2>/dev/null)"

# postRestore fails: exit 1, the units were started before it.
: >"$calls"
out=$(FAIL_POST=1 "$restore" 2>&1)
tap_eq "postRestore fails: exit 1" 1 "$?"
tap_check "postRestore fails: it says so" grep -q "postRestore failed" <<<"$out"
tap_check "postRestore fails: the units were started" grep -q "^start shop-worker.service$" "$calls"

# A unit that does not stop: nothing is restored, postRestore does not run.
rm -rf "$dump"
: >"$calls"
out=$(FAKE_SYSTEMCTL_FAIL="stop:shop-worker.service" "$restore" 2>&1)
tap_eq "unit does not stop: exit 1" 1 "$?"
tap_check "unit does not stop: nothing restored" test ! -e "$dump/shop.sql"
tap_check "unit does not stop: it says so" grep -q "cannot stop shop-worker.service: nothing restored" <<<"$out"
tap_check "unit does not stop: postRestore did not run" bash -c "! grep -q postRestore '$calls'"

# A snapshot that does not exist: the units are started again, postRestore does not run.
: >"$calls"
out=$("$restore" 0123456789abcdef 2>&1)
tap_eq "no such snapshot: exit 1" 1 "$?"
tap_check "no such snapshot: units started again" grep -q "^start shop.service$" "$calls"
tap_check "no such snapshot: postRestore not run" bash -c "! grep -q postRestore '$calls'"
tap_check "no such snapshot: it says so" grep -q "the restore failed: postRestore not run" <<<"$out"

# Bad usage.
"$restore" a b >/dev/null 2>&1
tap_eq "two arguments: exit 2" 2 "$?"
"$restore" --help >/dev/null 2>&1
tap_eq "an option: exit 2" 2 "$?"
tap_done
