#!/usr/bin/env bash
# Batched evaluation against one nix-instantiate process per scenario, side by side: N scenarios
# (the shipped ones, cycled and renamed up to N) evaluated by `nixdrill eval` in one batch, and
# the same inputs evaluated one process each through the same nix/eval/batch.nix. Prints times
# and the ratio. Usage: eval-batch.sh NIXDRILL [N=200]
set -euo pipefail
nixdrill=${1:?nixdrill binary} count=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
export NIX_CONFIG='build-users-group ='
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t shipped < <(find "$root/scenarios" -name '*.json' | sort)
mkdir -p "$work/s"
for ((i = 0; i < count; i++)); do
    src=${shipped[i % ${#shipped[@]}]}
    jq --arg n "bench-$i" '.name = $n' "$src" >"$work/s/$i.json"
    jq -c --arg n "bench-$i" '[{id: $n, services: .services} + (if .backup then {backup} else {} end)
        + (if .containers then {containers} else {} end)]' "$src" >"$work/r-$i.json"
done

t0=$(date +%s.%N)
"$nixdrill" eval "$work/s" --quiet >/dev/null || true
t1=$(date +%s.%N)
for ((i = 0; i < count; i++)); do
    nix-instantiate --eval --strict --json "$root/nix/eval/batch.nix" --argstr inputFile "$work/r-$i.json" >/dev/null 2>&1 || true
done
t2=$(date +%s.%N)
awk -v n="$count" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    batch = b - a; single = c - b;
    printf "eval of %d scenarios: batched %.2f s, one process each %.2f s, ratio %.1fx\n", n, batch, single, single / batch
}'
