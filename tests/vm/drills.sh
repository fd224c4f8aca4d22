#!/usr/bin/env bash
# The shipped VM drills through the real nixdrill binary, libvirt and QEMU, plus a negative
# control: with the cleanup step broken in nix/lib (units not started again), the drill must
# fail and say so. Prints TAP. Usage: drills.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"

# 1. Every shipped drill passes under TCG (or KVM where it works), with a testcase per step.
start=$(date +%s)
"$nixdrill" run "$root/scenarios/drills" --junit "$work/j.xml" --json "$work/r.json" --prometheus "$work/m.prom" >"$work/out" 2>&1
rc=$?
echo "# drills took $(($(date +%s) - start)) s"
keep_reports drills "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "shipped drills pass" test $rc -eq 0
check "junit is well-formed" xmllint --noout "$work/j.xml"
check "each drill step is a testcase with the scenario as classname" \
    test "$(xmllint --xpath 'count(//testsuite[starts-with(@name,"drill.")]/testcase[@classname!=""])' "$work/j.xml")" -ge 20
check "accelerator recorded" grep -q '"accelerator"' "$work/r.json"
check "metrics pass promtool" promtool check metrics <"$work/m.prom"
check "the restored service's recovery time is a testcase property" \
    xmllint --xpath '//testcase[@name="ready-after-restore"]/properties/property[@name="rto.service-notes"]' "$work/j.xml"
check "and a gauge" grep -Eq '^nixdrill_drill_rto_seconds\{command="run",scenario="drill-service-ready",step="ready-after-restore",job="service-notes"\} [0-9.e+-]+$' "$work/m.prom"
check "no recovery time before any restore" \
    bash -c "! grep -q 'step=\"ready-before-backup\"' '$work/m.prom'"
check "no nixdrill domain left" test "$(domains)" -eq 0

# 2. Negative control: the rendered cleanup no longer starts the units again.
cp -r "$root/nix" "$work/nix-broken"
sed -i '/systemctl start \${shell.quote u} || nixdrill_rc=\$?/d' "$work/nix-broken/lib/backup.nix"
check "the cleanup was really removed" bash -c "! grep -qF 'systemctl start \${shell.quote u} || nixdrill_rc' '$work/nix-broken/lib/backup.nix'"
"$nixdrill" run --nix-dir "$work/nix-broken" "$root/scenarios/drills/drill-single-service.json" >"$work/out" 2>&1
check "broken cleanup makes the run fail" test $? -eq 1
check "the backup step fails" grep -q '^FAIL .*drill-single-service/1-backup' "$work/out"
check "it says the unit is not running" grep -q 'unit notes.service is not running after job service-notes' "$work/out"
check "no nixdrill domain left" test "$(domains)" -eq 0

tap_finish
