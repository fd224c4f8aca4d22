#!/usr/bin/env bash
# The PostgreSQL drill through the real nixdrill binary, libvirt and QEMU (Debian guest with
# postgresql-15): seeded rows, a writer during the backup, drop, the rendered restore script,
# the consistency checks, and pg_dump failing (prepare_failed, units back, no snapshot). Plus a
# negative control: with the rendered restore broken (pg_restore without --create restores into
# the wrong database), pg-restore must fail and say why. Prints TAP.
# Usage: postgres.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"
scenario=$root/scenarios/postgres/drill-postgres.json
ours() { domains_of drill-postgres; }

# The negative control's tree: the rendered restore no longer recreates the database.
cp -r "$root/nix" "$work/nix-broken"
sed -i 's/pg_restore --clean --if-exists --create --exit-on-error/pg_restore --clean --if-exists --exit-on-error/' \
    "$work/nix-broken/lib/postgres.nix"
check "the --create flag was really removed" bash -c "! grep -q 'pg_restore --clean --if-exists --create' '$work/nix-broken/lib/postgres.nix'"

# The drill and its control at once (each guest keeps about one core busy under TCG, and neither
# depends on the other); the checks read their outputs after both ended.
start=$(date +%s)
run_bg main "$nixdrill" run "$scenario" --junit "$work/j.xml" --json "$work/r.json"
run_bg control "$nixdrill" run --nix-dir "$work/nix-broken" "$scenario"
wait
echo "# postgres drill and its control took $(($(date +%s) - start)) s"

# 1. The drill passes, one testcase per step.
rc=$(cat "$work/main.rc" 2>/dev/null || echo missing)
cp "$work/main.out" "$work/out"
keep_reports postgres "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "postgres drill passes" test "$rc" -eq 0
for step in 1-pg-seed 2-backup 3-pg-drop pg-restore-dropped restore-files 6-check-metrics 7-pg-dump-fails; do
    check "step $step passed" grep -q "^PASS .*drill-postgres/$step " "$work/out"
done
check "the writer was running during the backup" grep -q 'when they ended (writer running)' "$work/j.xml"
check "the restored rows are checked against the generator" grep -q 'rows unlike the generator, checksum' "$work/j.xml"
check "no drill-postgres domain left" test "$(ours)" -eq 0

# 2. Negative control: pg-restore must fail and say why.
rc=$(cat "$work/control.rc" 2>/dev/null || echo missing)
cp "$work/control.out" "$work/out"
sed 's/^/# /' "$work/out"
check "broken restore makes the run fail" test "$rc" -eq 1
check "the pg-restore step fails" grep -q '^FAIL .*drill-postgres/pg-restore-dropped' "$work/out"
check "it says the database cannot be read" grep -q 'database appdb: cannot read the restored rows' "$work/out"
check "no drill-postgres domain left" test "$(ours)" -eq 0

tap_finish
