#!/usr/bin/env bash
# Chaos against the harness itself: `nixdrill run` killed with SIGKILL in the middle of a drill
# leaves its domain and run directory behind (nothing can clean up after SIGKILL); the next run
# sweeps them before drilling, passes, and leaves nothing. SIGTERM mid-drill cleans up at once.
# Prints TAP. Usage: chaos.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"
scenario=$root/scenarios/drills/drill-single-service.json
# Waits (up to 180 s) until a nixdrill domain runs and the drill has got past booting.
wait_for_domain() {
    for _ in $(seq 360); do
        if (($(domains) > 0)) && grep -q 'drill-single-service/0-provision' "$work/out" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    return 1
}

check "no nixdrill domain before" test "$(domains)" -eq 0

# 1. SIGKILL mid-drill: the domain is left; the next run sweeps it and passes.
"$nixdrill" run "$scenario" >"$work/out" 2>&1 &
pid=$!
check "a drill domain is running" wait_for_domain
{
    kill -9 "$pid"
    wait "$pid"
} 2>/dev/null
check "SIGKILL leaves the domain behind" test "$(domains)" -ge 1
"$nixdrill" run "$scenario" --json "$work/r.json" >"$work/out" 2>&1
check "the next run passes" test $? -eq 0
check "it swept the dead run's domain" test "$(jq -r '.properties["sweep.domains"]' "$work/r.json")" -ge 1
check "no nixdrill domain after" test "$(domains)" -eq 0

# 2. SIGTERM mid-drill: the run removes its own domain before it exits.
"$nixdrill" run "$scenario" >"$work/out" 2>&1 &
pid=$!
check "a drill domain is running again" wait_for_domain
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM ends the run with a failure status" test "$rc" -ne 0
check "no nixdrill domain after SIGTERM" test "$(domains)" -eq 0

tap_finish
