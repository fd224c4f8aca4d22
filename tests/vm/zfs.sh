#!/usr/bin/env bash
# The ZFS drill through the real nixdrill binary, libvirt and QEMU (Debian guest with OpenZFS
# from contrib's zfs-dkms, built into the systemd-zfs image): a writer keeps changing files
# during a backup from a ZFS snapshot, the restore must be one consistent point in time; a stale
# snapshot, a full pool and restic failing after the snapshot; no nixdrill snapshot left after
# any run. Plus the negative control: the same drill without snapshots must fail with a torn
# copy. Prints TAP; the first run builds the systemd-zfs image when it is not cached.
# Usage: zfs.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"
scenario=$root/scenarios/zfs/drill-zfs.json
ours() { domains_of drill-zfs; }

# The image first, timed on its own (the ZFS module is compiled for the guest kernel).
start=$(date +%s)
bash "$root/scripts/vm/build-guest.sh" systemd-zfs >"$work/image" 2>&1
rc=$?
echo "# systemd-zfs image ready in $(($(date +%s) - start)) s"
tail -n 3 "$work/image" | sed 's/^/# /'
check "systemd-zfs image builds" test "$rc" -eq 0

# The negative control: no snapshots, the units stopped for the whole job: restic copies the
# live files while the writer (not one of the units) changes them.
jq '.services.app.backup = {} | .drill.steps = [.drill.steps[0], .drill.steps[1]]' "$scenario" >"$work/drill-zfs.json"
check "the control really has no snapshots" test "$(jq '[.services[].backup.useSnapshots // false] | any' "$work/drill-zfs.json")" = false

# The drill and its control at once (each guest keeps about one core busy under TCG, and neither
# depends on the other); the checks read their outputs after both ended.
start=$(date +%s)
run_bg main "$nixdrill" run "$scenario" --junit "$work/j.xml" --json "$work/r.json"
run_bg control "$nixdrill" run "$work/drill-zfs.json"
wait
echo "# zfs drill and its control took $(($(date +%s) - start)) s"

# 1. The drill passes, one testcase per step.
rc=$(cat "$work/main.rc" 2>/dev/null || echo missing)
cp "$work/main.out" "$work/out"
keep_reports zfs "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "zfs drill passes" test "$rc" -eq 0
for step in 1-backup 2-restore 3-stale-snapshot-left-by-a-crash 4-pool-full 5-restic-fails-after-snapshot \
    6-restore-after-stale-snapshot; do
    check "step $step passed" grep -q "^PASS .*drill-zfs/$step " "$work/out"
done
check "restic read the snapshot, not the live path" grep -q "restic read the snapshot's paths" "$work/j.xml"
check "the writer kept writing during the backup" grep -q "when they ended (active until then)" "$work/j.xml"
check "the restored writer files were checked" grep -q "restored writer files in" "$work/j.xml"
check "the stale snapshot was planted" grep -qE "left a stale snapshot tank/app@nixdrill-[a-z-]+-20000101T000000Z" "$work/j.xml"
check "the pool was full" grep -qE "pool tank filled up \([0-9]+ bytes available\)" "$work/j.xml"
check "the full pool refused the snapshot" grep -q "cannot create snapshots : out of space" "$work/j.xml"
check "no snapshot left after any run" test "$(grep -c 'ZFS snapshots of pool tank after the run: none' "$work/j.xml")" -eq 4
check "no drill-zfs domain left" test "$(ours)" -eq 0

# 2. Negative control: restic copies the live files while the writer changes them.
rc=$(cat "$work/control.rc" 2>/dev/null || echo missing)
cp "$work/control.out" "$work/out"
sed 's/^/# /' "$work/out"
check "the control fails" test "$rc" -eq 1
check "its backup step passes" grep -q '^PASS .*drill-zfs/1-backup ' "$work/out"
check "its restore step fails" grep -q '^FAIL .*drill-zfs/2-restore ' "$work/out"
check "it says the copy is torn" grep -q 'torn copy: the writer' "$work/out"
check "no drill-zfs domain left" test "$(ours)" -eq 0

tap_finish
