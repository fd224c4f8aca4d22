#!/usr/bin/env bash
# Harness overhead of real drills: for each shipped drill of scenarios/drills (one at a time,
# cold boots), the harness's own CPU time (the drill thread's user + system time: parsing,
# diffing, hashing replies, the agent protocol) and the agent channel's wall time (waiting for
# RPC replies: qemu-ga's work in the guest is part of it) as shares of the drill's wall time,
# from the run result's profile, split into the polls that found a command still running (they
# overlap the guest's work) and the rest (starting commands, collecting their results, moving
# files, waiting for the agent at boot). Target (issue #7): the harness's own time under 2%.
# Needs root and libvirtd. Usage: bench/harness-overhead.sh NIXDRILL [SCENARIO...]
set -euo pipefail
nixdrill=${1:?nixdrill binary}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
scenarios=("$@")
((${#scenarios[@]})) || scenarios=("$root"/scenarios/drills/*.json)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-26s %7s %7s %6s %6s %7s %6s %8s %6s %6s\n' drill wall cpu cpu% rpcs inRPC rpc% rpc-poll% cmds polls
for s in "${scenarios[@]}"; do
    name=$(basename "$s" .json)
    if ! "$nixdrill" run --jobs 1 "$s" --json "$work/r.json" >"$work/out" 2>&1; then
        cat "$work/out"
        echo "harness-overhead: $name did not pass" >&2
        exit 1
    fi
    jq -r --arg d "$name" '.properties as $p | def v(k): ($p["profile." + $d + "." + k] // "0" | tonumber);
        [$d, v("wall"), v("harness.cpu"), 100 * v("harness.cpu") / v("wall"), v("count.agent.calls"),
         v("agent.inCalls"), 100 * v("agent.inCalls") / v("wall"),
         100 * (v("agent.inCalls") - v("agent.inPolls")) / v("wall"), v("count.agent.execs"), v("count.agent.polls")]
        | @tsv' "$work/r.json" |
        awk -F'\t' '{ printf "%-26s %7.1f %7.3f %5.2f%% %6d %7.1f %5.1f%% %8.1f%% %6d %6d\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
done
