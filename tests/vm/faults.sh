#!/usr/bin/env bash
# The fault catalogue's shipped drills (scenarios/faults) through the real nixdrill binary,
# libvirt and QEMU, plus negative controls: a copy of a fault scenario whose declared outcome
# is wrong must make its fault step fail, saying what was expected and what happened.
# Prints TAP. Usage: faults.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"

# 1. Every shipped fault drill passes, each fault step a testcase of kind drill:fault:<kind>.
start=$(date +%s)
"$nixdrill" run "$root/scenarios/faults" --junit "$work/j.xml" --json "$work/r.json" --prometheus "$work/m.prom" >"$work/out" 2>&1
rc=$?
echo "# fault drills took $(($(date +%s) - start)) s"
keep_reports faults "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "shipped fault drills pass" test $rc -eq 0
check "junit is well-formed" xmllint --noout "$work/j.xml"
for kind in wrong-password repository-missing pre-backup-hook-fails bit-flip delete-index kill-mid-backup power-loss \
    repository-disk-full unit-refuses-to-stop clock-jump io-errors; do
    check "fault $kind is a passing testcase" grep -q "^PASS .*/[0-9]*-fault-$kind " "$work/out"
    check "fault $kind is counted by kind" grep -q "kind=\"drill:fault:$kind\"" "$work/m.prom"
done
check "metrics pass promtool" promtool check metrics <"$work/m.prom"
check "the terminal groups the faults by kind" grep -q "^faults by kind:" "$work/out"
check "eleven fault kinds counted as passed" test "$(grep -c '^nixdrill_fault_cases{.*outcome="passed"} 1$' "$work/m.prom")" -eq 11
check "no nixdrill domain left" test "$(domains)" -eq 0

# 2. Negative controls: one declared outcome changed to a wrong one per scenario. The copies run
# in one nixdrill run (drills in parallel); each must fail at its own fault step, for its reason.
# negative NAME FAULT JQ-FILTER EXPECTED-MESSAGE
negatives=()
negative() {
    local name=$1 fault=$2 filter=$3 message=$4
    local file=$work/neg/fault-$fault.json
    mkdir -p "$work/neg"
    jq "$filter" "$root/scenarios/faults/fault-$fault.json" >"$file"
    check "$name: the expectation was really changed" bash -c "! cmp -s '$file' '$root/scenarios/faults/fault-$fault.json'"
    negatives+=("$name|$fault|$message")
}
negative wrong-password-says-ok wrong-password '.drill.steps[1].fault.expect.category = "ok"' \
    'category: expected ok, actual fatal'
negative repository-missing-advances repository-missing '.drill.steps[1].fault.expect.lastSuccess = "advanced"' \
    'expected advanced, actual kept'
negative bit-flip-restores bit-flip '.drill.steps[1].fault.expect.restoreFails = false' \
    'expected to succeed, actual exit 1'
negative io-errors-says-ok io-errors '.drill.steps[1].fault.expect.category = "ok"' \
    'category: expected ok, actual incomplete'
start=$SECONDS
"$nixdrill" run "$work/neg" --json "$work/neg.json" >"$work/out" 2>&1
rc=$?
echo "# negative controls took $((SECONDS - start)) s"
sed 's/^/# /' "$work/out"
check "negative controls: the run fails" test $rc -eq 1
for entry in "${negatives[@]}"; do
    IFS='|' read -r name fault message <<<"$entry"
    check "$name: the fault step is the failed one" grep -q "^FAIL .*fault-$fault/[0-9]*-fault-$fault " "$work/out"
    # The cases of its drill that did not pass: exactly the fault step, failed with the message.
    jq -c --arg s "drill.fault-$fault" '[.suites[] | select(.name == $s) | .cases[] |
        select(.outcome != "passed") | {name, outcome, message}]' "$work/neg.json" >"$work/neg-$name.json"
    check "$name: no other step of its drill failed" jq -e 'length == 1' "$work/neg-$name.json"
    check "$name: it explains expected vs actual" jq -e --arg f "$fault" --arg m "$message" \
        '.[0] | .outcome == "failed" and (.name | endswith("-fault-" + $f)) and (.message | contains($m))' \
        "$work/neg-$name.json"
done
check "negative controls: no nixdrill domain left" test "$(domains)" -eq 0

# 3. The matrix mode: a drill scenario once per fault kind, with the catalogue's outcomes.
"$nixdrill" run --faults wrong-password,kill-mid-backup "$root/scenarios/drills/drill-single-service.json" \
    --prometheus "$work/matrix.prom" --json "$work/matrix.json" >"$work/out" 2>&1
rc=$?
sed 's/^/# /' "$work/out"
check "matrix: both variants pass" test $rc -eq 0
check "matrix: the wrong-password variant ran" grep -q "^PASS .*drill-single-service@wrong-password/[0-9]*-fault-wrong-password " "$work/out"
check "matrix: the kill-mid-backup variant ran" grep -q "^PASS .*drill-single-service@kill-mid-backup/[0-9]*-fault-kill-mid-backup " "$work/out"
check "matrix: counted by fault kind" grep -q 'nixdrill_fault_cases{command="run",fault="kill-mid-backup",outcome="passed"} 1' "$work/matrix.prom"
check "no nixdrill domain left" test "$(domains)" -eq 0

# 3b. --rerun-failed picks the failed drills of a stored run, fault variants rebuilt from their
# names (without --faults). A libvirt that cannot be reached makes each picked drill Broken at
# provisioning, before any guest boots: which drills were picked is all this checks.
unreachable='qemu+unix:///system?socket=/nonexistent'
jq '(.suites[] | select(.name == "drill.drill-single-service@kill-mid-backup") | .cases[-1].outcome) = "failed"' \
    "$work/matrix.json" >"$work/matrix-failed.json"
"$nixdrill" run --rerun-failed "$work/matrix-failed.json" --uri "$unreachable" --json "$work/rerun.json" >"$work/out" 2>&1
sed 's/^/# /' "$work/out"
check "rerun of a variant: only the kill-mid-backup variant" jq -e \
    '[.suites[].cases[].scenario] | unique == ["drill-single-service@kill-mid-backup"]' "$work/rerun.json"
"$nixdrill" run --rerun-failed "$work/neg.json" --uri "$unreachable" --json "$work/rerun-neg.json" >"$work/out" 2>&1
check "rerun of the negative controls: the four failed drills" jq -e \
    '[.suites[].cases[].scenario] | unique == ["fault-bit-flip", "fault-io-errors", "fault-repository-missing", "fault-wrong-password"]' \
    "$work/rerun-neg.json"
check "no nixdrill domain left" test "$(domains)" -eq 0

# 4. A contract with dump hooks (preBackup writes into a backed-up path, postBackup removes it)
# under the faults that act on its hooks and on restic's reading: every restore must hold what
# restic read, whether the hook ran, failed, or the run was cut or saw unreadable files.
kinds=pre-backup-hook-fails,kill-mid-backup,power-loss,io-errors,unit-refuses-to-stop
start=$SECONDS
"$nixdrill" run --faults "$kinds" "$root/scenarios/drills/drill-dump-hook.json" >"$work/out" 2>&1
rc=$?
echo "# dump-hook fault variants took $((SECONDS - start)) s"
sed 's/^/# /' "$work/out"
check "dump hook: every fault variant passes" test $rc -eq 0
for kind in ${kinds//,/ }; do
    check "dump hook: the $kind variant ran its fault step" \
        grep -q "^PASS .*drill-dump-hook@$kind/[0-9]*-fault-$kind " "$work/out"
done
check "no nixdrill domain left" test "$(domains)" -eq 0

tap_finish
