#!/usr/bin/env bash
# Drill throughput, serial vs parallel, side by side in one run: N copies of the short drill of
# tests/vm/warm_drill.json (cold boots) with --jobs 1, then with --jobs N; prints the wall
# times of the drills, the ratio, and each drill's time profile (boot and step kinds, from the
# run result's profile.* properties). Needs root and libvirtd.
# Usage: bench/parallel-drills.sh NIXDRILL [N]   (default N=2)
set -euo pipefail
nixdrill=${1:?nixdrill binary} n=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/drills"
for ((i = 1; i <= n; i++)); do
    cp "$root/tests/vm/warm_drill.json" "$work/drills/par$i.json"
done
wall() { jq -r '.properties["drills.wall"]' "$1"; }
for jobs in 1 "$n"; do
    if ! "$nixdrill" run --jobs "$jobs" "$work/drills" --json "$work/j$jobs.json" >"$work/out$jobs" 2>&1; then
        cat "$work/out$jobs"
        echo "parallel-drills: the run with --jobs $jobs did not pass" >&2
        exit 1
    fi
    echo "--jobs $jobs: $n drills in $(wall "$work/j$jobs.json") s"
done
echo "throughput: parallel (--jobs $n) is $(echo "scale=2; $(wall "$work/j1.json") / $(wall "$work/j$n.json")" | bc)x serial"

echo "profile (seconds; serial run, cold boots):"
jq -r '.properties | to_entries | map(select(.key | startswith("profile.")))
    | map({d: (.key | split(".")[1]), p: (.key | split(".")[2:] | join(".")), v: .value})
    | group_by(.d)[] | "  " + .[0].d + ": " + (map(select(.p | test("^(boot|steps|wall|start)$|^step\\.")) | .p + " " + .v) | join(", "))' \
    "$work/j1.json"
