#!/usr/bin/env bash
# Secrets never leave the guest: a drill runs with a recognisable marker planted in every secret
# input (NIXDRILL_TEST_PLANTED_SECRET prefixes the generated repository password and puts a
# credential line with it into the environment file). While it runs, the test reads the secret
# files through the guest agent (they must hold the marker: the planting worked) and snapshots
# the serial console, the domain XML and the host's command lines; afterwards the marker must be
# in none of them, nor in the run's stdout/stderr, JUnit, JSON or Prometheus report.
# A second drill (wrong-password fault) puts restic's password errors into the evidence.
# Prints TAP. Usage: secrets.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"
uri=qemu:///system
run_root=${NIXDRILL_RUN_ROOT:-/var/tmp/nixdrill}
marker="NXDPLANT$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"

# The single-service drill with an environment file, and the wrong-password fault drill; named
# secret-* so that the observer touches only this test's guests (tests/lib/vm.sh: names_of).
mkdir -p "$work/scenarios" "$work/observed"
jq '.backup.restic.repositories.local.environmentFile = "/run/keys/restic-env"' \
    "$root/scenarios/drills/drill-single-service.json" >"$work/scenarios/secret-env.json"
cp "$root/scenarios/faults/fault-wrong-password.json" "$work/scenarios/secret-wrong-password.json"

agent() { virsh -c "$uri" qemu-agent-command "$1" "$2" 2>/dev/null; }
# Prints a guest file (small) through the agent, as the test's own observation.
guest_file() {
    local dom=$1 path=$2 h data
    h=$(agent "$dom" "{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"$path\",\"mode\":\"r\"}}" |
        jq -r '.return') || return 1
    [[ $h =~ ^[0-9]+$ ]] || return 1
    data=$(agent "$dom" "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":$h,\"count\":4096}}" |
        jq -r '.return["buf-b64"]')
    agent "$dom" "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
    printf '%s' "$data" | base64 -d
}

# Observer: until the run ends, copy consoles, domain XML and host command lines, and read the
# secret files of each drill guest once they exist.
observe() {
    local i=0 dom
    while kill -0 "$1" 2>/dev/null; do
        i=$((i + 1))
        for f in "$run_root"/nixdrill-*secret-*/console.log; do
            [[ -f $f ]] && cp "$f" "$work/observed/console-$(basename "$(dirname "$f")").log" 2>/dev/null
        done
        for dom in $(names_of 'secret-[a-z-]+'); do
            virsh -c "$uri" dumpxml "$dom" >"$work/observed/xml-$dom.xml" 2>/dev/null
            if [[ ! -s $work/observed/password-$dom ]]; then
                guest_file "$dom" /run/keys/restic-password >"$work/observed/password-$dom" 2>/dev/null || true
            fi
            if [[ ! -s $work/observed/env-$dom ]]; then
                guest_file "$dom" /run/keys/restic-env >"$work/observed/env-$dom" 2>/dev/null || true
            fi
        done
        ps -eo args >"$work/observed/ps-$((i % 5)).txt"
        sleep 1
    done
}

NIXDRILL_TEST_PLANTED_SECRET=$marker "$nixdrill" run "$work/scenarios" --jobs 1 \
    --junit "$work/r.xml" --json "$work/r.json" --prometheus "$work/r.prom" >"$work/out" 2>"$work/err" &
pid=$!
observe "$pid"
wait "$pid"
rc=$?

check "the drills ran (exit 0: the fault drill met its declared outcome)" test "$rc" -eq 0
check "both drills are in the report" test "$(jq '[.suites[] | select(.name | startswith("drill."))] | length' "$work/r.json")" -eq 2
# Positive controls: the planting reached the guest (the searches below are not vacuous).
check "the guest's password file holds the planted marker" grep -qs "^$marker" "$work"/observed/password-*
check "the guest's environment file holds the planted marker" grep -qs "=$marker" "$work"/observed/env-*
check "consoles were captured" compgen -G "$work/observed/console-*.log"
check "domain XML was captured" compgen -G "$work/observed/xml-*.xml"
# The searches.
for f in out err r.xml r.json r.prom; do
    # test -f first: a missing file must not pass as "no marker".
    check "no marker in $f" bash -c "test -f '$work/$f' && ! grep -q '$marker' '$work/$f'"
done
check "no marker in any console capture" bash -c "! grep -aq '$marker' '$work'/observed/console-*.log"
check "no marker in any domain XML" bash -c "! grep -q '$marker' '$work'/observed/xml-*.xml"
check "no marker on any host command line" bash -c "! grep -q '$marker' '$work'/observed/ps-*.txt"
check "no domain of this test after" test "$(domains_of 'secret-[a-z-]+')" -eq 0

tap_finish
