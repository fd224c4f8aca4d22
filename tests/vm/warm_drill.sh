#!/usr/bin/env bash
# A real drill started from a saved state (`nixdrill run --warm`): the first run saves the state
# when its cache has none, the second restores it; both drills must pass, the second must say it
# started warm and its boot must be faster than the saving run's. Uses a cache of its own.
# Prints TAP. Usage: warm_drill.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
export NIXDRILL_WARM_ROOT=$work/warm
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
drill=$root/tests/vm/warm_drill.json
prop() { jq -r --arg k "$2" '.properties[$k] // "missing"' "$1"; }

for i in 1 2; do
    start=$(date +%s)
    "$nixdrill" run --warm --jobs 1 "$drill" --json "$work/r$i.json" >"$work/out$i" 2>&1
    rc=$?
    echo "# warm run $i took $(($(date +%s) - start)) s"
    sed 's/^/# /' "$work/out$i"
    check "warm run $i: the drill passes" test $rc -eq 0
done
check "the first run saved the state" test "$(prop "$work/r1.json" profile.warm_drill.start)" = warm-saved
check "the second run restored it" test "$(prop "$work/r2.json" profile.warm_drill.start)" = warm
echo "# start notes: $(prop "$work/r1.json" profile.warm_drill.start.note) / $(prop "$work/r2.json" profile.warm_drill.start.note)"
check "the restored guest had its clock set" \
    awk -v s="$(prop "$work/r2.json" profile.warm_drill.boot.clockFix)" 'BEGIN { exit !(s ~ /^[0-9.]+$/ && s + 0 > 0) }'
b1=$(prop "$work/r1.json" profile.warm_drill.boot)
b2=$(prop "$work/r2.json" profile.warm_drill.boot)
echo "# boot: saving run $b1 s, warm run $b2 s"
check "the warm boot is faster than the saving one" \
    awk -v a="$b1" -v b="$b2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 < a + 0) }'
check "one saved state in the cache" test "$(find "$NIXDRILL_WARM_ROOT" -name state.save | wc -l)" -eq 1
# Only this test's domains (other work may run drills on the same libvirt): cold ones are named
# after the run id, warm ones carry it in their owner metadata.
ours() {
    local r1 r2 d count=0
    r1=$(jq -r .runId "$work/r1.json") r2=$(jq -r .runId "$work/r2.json")
    for d in $(virsh -c qemu:///system list --all --name 2>/dev/null); do
        if [[ $d == *"$r1"* || $d == *"$r2"* ]] ||
            virsh -c qemu:///system metadata "$d" http://nixdrill.dev/xmlns/owner/1 2>/dev/null |
            grep -q -e "run=\"$r1\"" -e "run=\"$r2\""; then
            count=$((count + 1))
        fi
    done
    echo "$count"
}
check "no domain of this test left" test "$(ours)" -eq 0

tap_finish
