#!/usr/bin/env bash
# The pgBackRest point-in-time drill through the real nixdrill binary, libvirt and QEMU (Debian
# guest with postgresql-15 and pgbackrest): WAL archived into pgBackRest's repository, which the
# rendered job backs up with restic; a commit before a target time and one after; the server lost;
# the rendered pitr-<job>.sh restores to the target: exactly the earlier commit must exist. Plus
# a negative control: a pitr script without its time target replays all the WAL, and the drill
# must say the later commit is there. Prints TAP.
# Usage: pgbackrest.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"
scenario=$root/scenarios/postgres/drill-pgbackrest.json
ours() { domains_of drill-pgbackrest; }

# The negative control's tree: the rendered script drops its time target (--type=immediate: the newest
# backup set, taken after both commits, to its consistency point): the drill must notice that the
# commit after the target is there.
cp -r "$root/nix" "$work/nix-broken"
perl -pi -e 's/--type=time \\"--target=\$target\\"/--type=immediate/' "$work/nix-broken/lib/postgres.nix"
check "the time target was really replaced" grep -q -- '--delta --type=immediate --target-action' "$work/nix-broken/lib/postgres.nix"

# The drill and its control at once (each guest keeps about one core busy under TCG, and neither
# depends on the other); the checks read their outputs after both ended.
start=$(date +%s)
run_bg main "$nixdrill" run "$scenario" --junit "$work/j.xml" --json "$work/r.json"
run_bg control "$nixdrill" run --nix-dir "$work/nix-broken" "$scenario"
wait
echo "# pgbackrest drill and its control took $(($(date +%s) - start)) s"

# 1. The drill passes, one testcase per step.
rc=$(cat "$work/main.rc" 2>/dev/null || echo missing)
cp "$work/main.out" "$work/out"
keep_reports pgbackrest "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "pgbackrest drill passes" test "$rc" -eq 0
for step in 1-pg-seed 2-base-backup 3-pg-pitr-mark 4-backup-with-wal 5-pitr-after-losing-the-server; do
    check "step $step passed" grep -q "^PASS .*drill-pgbackrest/$step " "$work/out"
done
check "the target lies between two commits" grep -q 'lies between the commits' "$work/j.xml"
check "the rendered pitr script ran" grep -q 'pitr-service-app.sh' "$work/j.xml"
check "PostgreSQL stopped recovery at the target" grep -q 'recovery stopping before commit' "$work/j.xml"
check "only the earlier commit is there" grep -q "marks 'before'" "$work/j.xml"
check "no drill-pgbackrest domain left" test "$(ours)" -eq 0

# 2. Negative control: the drill must notice that the commit after the target is there.
rc=$(cat "$work/control.rc" 2>/dev/null || echo missing)
cp "$work/control.out" "$work/out"
sed 's/^/# /' "$work/out"
check "broken pitr makes the run fail" test "$rc" -eq 1
check "the pitr step fails" grep -q '^FAIL .*drill-pgbackrest/5-pitr-after-losing-the-server' "$work/out"
check "it says which commits are there" grep -q "it holds marks 'after,before', expected exactly 'before'" "$work/out"
check "no drill-pgbackrest domain left" test "$(ours)" -eq 0

tap_finish
