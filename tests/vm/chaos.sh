#!/usr/bin/env bash
# Chaos against the harness itself: `nixdrill run` killed with SIGKILL in the middle of a drill
# leaves its domain and run directory behind (nothing can clean up after SIGKILL); the next run
# sweeps them before drilling, passes, and leaves nothing. SIGTERM mid-drill cleans up at once.
# libvirtd restarted mid-drill: the drill ends Broken saying the connection was lost (no hang),
# the run exits non-zero, the domain is destroyed through a new connection, and the next run
# leaves no domain, overlay or run directory behind.
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
# This test's own domains (its scenario's, cold or warm): other drills on the machine do not count,
# except before restarting libvirtd, which would break them (`domains`, every nixdrill domain).
ours() { domains_of drill-single-service; }
# Waits (up to 180 s) until a nixdrill domain runs and the drill has got past booting.
wait_for_domain() {
    for _ in $(seq 360); do
        if (($(ours) > 0)) && grep -q 'drill-single-service/0-provision' "$work/out" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    return 1
}

check "no drill domain of this test before" test "$(ours)" -eq 0

# 0. SIGKILL while the seed archive is built: it lies in the drill's run directory (which the
# next run sweeps), never in $TMPDIR, where nothing would ever remove it.
run_root=${NIXDRILL_RUN_ROOT:-/var/tmp/nixdrill}
mkdir -p "$work/tmp"
TMPDIR=$work/tmp "$nixdrill" run "$scenario" >"$work/out0" 2>&1 &
pid=$!
seed_dir=""
for _ in $(seq 3000); do # 0.1 s polls, at most 300 s
    seed_dir=$(find "$run_root" -mindepth 2 -maxdepth 2 -name 'nixdrill-seed-*' -path "*Z-${pid}-drill-single-service-*" \
        -print -quit 2>/dev/null)
    [[ -n $seed_dir ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
{
    kill -9 "$pid"
    wait "$pid"
} 2>/dev/null
check "the seed archive was built in the drill's run directory" test -n "$seed_dir"
check "nothing of the seed in \$TMPDIR" test -z "$(find "$work/tmp" -name 'nixdrill-seed-*' -print -quit)"

# 1. SIGKILL mid-drill: the domain is left; the next run sweeps it and passes.
"$nixdrill" run "$scenario" >"$work/out" 2>&1 &
pid=$!
check "a drill domain is running" wait_for_domain
{
    kill -9 "$pid"
    wait "$pid"
} 2>/dev/null
check "SIGKILL leaves the domain behind" test "$(ours)" -ge 1
"$nixdrill" run "$scenario" --json "$work/r.json" >"$work/out" 2>&1
check "the next run passes" test $? -eq 0
check "it swept the dead run's domain" test "$(jq -r '.properties["sweep.domains"]' "$work/r.json")" -ge 1
check "the sweep removed the seed archive of the run killed while seeding" test ! -e "${seed_dir:-/nonexistent}"
check "no nixdrill domain after" test "$(ours)" -eq 0

# 2. SIGTERM mid-drill: the run removes its own domain before it exits.
"$nixdrill" run "$scenario" >"$work/out" 2>&1 &
pid=$!
check "a drill domain is running again" wait_for_domain
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM ends the run with a failure status" test "$rc" -ne 0
check "no nixdrill domain after SIGTERM" test "$(ours)" -eq 0

# 3. The run deadline passes in the middle of the drill: the step running then is Broken with what
# it was waiting for, the rest Skipped, the guest destroyed, the reports written, exit non-zero.
# 15 s falls inside the drill on any TCG machine: its boot alone takes 6 s or more and the whole
# drill 35 s or more (an uncontended run here), so the deadline never misses the drill.
start=$SECONDS
"$nixdrill" run "$scenario" --deadline 15 --json "$work/d.json" --junit "$work/d.xml" >"$work/out" 2>&1
rc=$?
took=$((SECONDS - start))
check "deadline: the run exits non-zero" test "$rc" -ne 0
check "deadline: it ends soon after the deadline (${took} s)" test "$took" -le 150
check "deadline: one step is Broken saying the deadline passed" \
    test "$(jq '[.suites[].cases[] | select(.outcome == "broken" and (.message | test("the run deadline \\(--deadline 15 s\\) passed")))] | length' "$work/d.json")" -eq 1
check "deadline: every later step is Skipped because of it" \
    jq -e '[.suites[] | select(.name | startswith("drill.")) | .cases[] | select(.outcome == "skipped") | .message] | length > 0 and all(test("not run: the run deadline"))' "$work/d.json"
check "deadline: JUnit written" grep -q '<error ' "$work/d.xml"
check "deadline: its domain is gone" test "$(domains_of_run "$(jq -r .runId "$work/d.json")")" -eq 0

# 4. libvirtd restarted in the middle of a drill.
run_dirs() { find "$run_root" -maxdepth 1 -name 'nixdrill-*' -type d 2>/dev/null | wc -l; }
restart_libvirtd() {
    if [[ -d /run/systemd/system ]]; then
        systemctl restart libvirtd.service
    else
        local old
        old=$(</run/libvirtd.pid)
        kill -TERM "$old"
        for _ in $(seq 100); do
            kill -0 "$old" 2>/dev/null || break
            sleep 0.1
        done
        ! kill -0 "$old" 2>/dev/null || return 1
    fi
    bash "$root/scripts/vm/start-libvirt.sh" >"$work/start-libvirt.log" 2>&1
}
# Restarting libvirtd breaks every other user of it: refuse to run beside other drills.
if (($(domains) > 0)); then
    notok "libvirtd restart: other nixdrill domains are running (another test?); not restarting libvirtd under them"
    tap_finish
    exit
fi
dirs_before=$(run_dirs)
"$nixdrill" run "$scenario" --json "$work/r3.json" --junit "$work/r3.xml" >"$work/out" 2>&1 &
pid=$!
check "a drill domain is running (before the libvirtd restart)" wait_for_domain
check "libvirtd restarts" restart_libvirtd
# The run must end by itself, long before its 900 s step timeout.
for _ in $(seq 360); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
done
hung=0
if kill -0 "$pid" 2>/dev/null; then
    hung=1
    kill -TERM "$pid"
fi
wait "$pid"
rc=$?
check "the run ends by itself within 180 s of the restart" test "$hung" -eq 0
check "the run exits non-zero (exit $rc)" test "$rc" -ne 0
# Killed by a signal (128 + N: 141 was SIGPIPE from libvirtd's closed socket) is no ending.
check "the run was not killed by a signal (exit $rc)" test "$rc" -lt 128
check "a step is Broken" test "$(jq '[.suites[].cases[] | select(.outcome == "broken")] | length' "$work/r3.json")" -ge 1
check "the Broken step says the libvirtd connection was lost" \
    jq -e '[.suites[].cases[] | select(.outcome == "broken") | .message] | any(test("connection to libvirtd|libvirtd"))' "$work/r3.json"
check "the steps after it are Skipped" \
    jq -e '[.suites[] | select(.name | startswith("drill.")) | .cases[-1].outcome] | all(. == "skipped" or . == "broken")' "$work/r3.json"
check "JUnit written with an error element" grep -q '<error ' "$work/r3.xml"
check "the run destroyed its domain through a new connection" test "$(ours)" -eq 0
check "the run removed its run directory" test "$(run_dirs)" -le "$dirs_before"
"$nixdrill" run "$scenario" --json "$work/r4.json" >"$work/out4" 2>&1
check "the next run passes" test $? -eq 0
check "no nixdrill domain after the next run" test "$(ours)" -eq 0
check "no run directory left after the next run" test "$(run_dirs)" -le "$dirs_before"
if ((hung || rc == 0)); then
    sed 's/^/# /' "$work/out" | tail -40
fi

tap_finish
