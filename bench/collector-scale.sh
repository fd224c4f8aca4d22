#!/usr/bin/env bash
# Times the collector (nix/lib collect) on generated service sets of 1k/10k/50k services,
# compares at 10k with a naive O(n^2) persistence dedup (nixpkgs' lib.unique verbatim: foldl'
# with builtins.elem and acc ++ [ x ]), as whole evaluations and without their shared part, and at 1k/2k with the whole naive
# reference collector of tests/nix/collector (checking both give the same result).
# Each service has a dataDir and 2 backupPaths (one with a trailing slash). Services come in
# groups of ten: one has the group's shared path as dataDir, the odd ones back up that same
# path, the even ones a path below it; so about a third of all paths overlap. One service in
# seven is disabled; priorities are 0..40. Time = best of $RUNS runs of
# `nix-instantiate --eval --strict --json`, Nix start-up included (printed first).
# Usage: bench/collector-scale.sh [SIZES...]   (default: 1000 10000 50000; RUNS=3)
set -euo pipefail
export NIX_CONFIG='build-users-group ='
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
(($# == 0)) && set -- 1000 10000 50000

# nixexpr N WHAT: what to evaluate from `lib` and `services`
nixexpr() {
    cat <<NIX
let
  lib = import $root/nix/lib;
  n = $1;
  services = builtins.listToAttrs (builtins.genList (i:
    let s = toString i; g = toString (i / 10); in {
      name = "svc\${s}";
      value = {
        enable = i - (i / 7) * 7 != 0;          # one in seven disabled
        dataDir = if i - (i / 10) * 10 == 0 then "/srv/shared/g\${g}" else "/var/lib/svc\${s}";
        # odd services share their group's path exactly, even ones nest below it
        backupPaths = [ "/var/lib/svc\${s}/cache/"
          (if i - (i / 2) * 2 == 1 then "/srv/shared/g\${g}" else "/srv/shared/g\${g}/svc\${s}") ];
        priority = 10 * (i - (i / 5) * 5);
      };
    }) n);
  naiveUnique = builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
in $2
NIX
}

# Prints the best wall time in seconds of evaluating nixexpr "$1" "$2".
best() {
    local best_t="" t start end
    for ((r = 0; r < runs; r++)); do
        start=$(date +%s.%N)
        nix-instantiate --eval --strict --json -E "$(nixexpr "$1" "$2")" >/dev/null
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc)
        if [[ -z $best_t ]] || (($(echo "$t < $best_t" | bc))); then best_t=$t; fi
    done
    printf '%.3f' "$best_t"
}

baseline=$(best 0 'null')
echo "nix start-up (empty eval): ${baseline}s"
summary() {
    nix-instantiate --eval --strict --json -E "$(nixexpr "$1" 'let r = lib.collect services; in {
        persistence = builtins.length r.persistence;
        backups = builtins.length r.backupOrder;
        overlaps = builtins.length r.overlaps; }')"
}
# Nix's own counters (NIX_SHOW_STATS) of one evaluation: function calls, primop calls, thunks,
# attribute sets, list elements, and bytes allocated (the GC's total).
stats() {
    NIX_SHOW_STATS=1 nix-instantiate --eval --strict --json -E "$(nixexpr "$1" "$2")" 2>&1 >/dev/null |
        jq -r '"calls \(.nrFunctionCalls), primops \(.nrPrimOpCalls), thunks \(.nrThunks), sets \(.sets.number), list elements \(.list.elements), allocated \(.gc.totalBytes / 1048576 | floor) MiB"'
}
# The seed stories' pipeline (filterAttrs -> mapAttrsToList -> flatten -> lib.unique, written with
# builtins: nixpkgs is not here) against the whole collector (validation, persistence,
# registrations, overlap analysis), in one run.
seed='builtins.length (naiveUnique (builtins.concatMap (s: [ s.dataDir ] ++ s.backupPaths)
    (builtins.filter (s: s.enable) (builtins.attrValues services))))'
printf '%-8s %-10s %-12s %-8s %s\n' services collect "seed pattern" ratio "collect: counters"
for n in "$@"; do
    c=$(best "$n" 'lib.collect services')
    if ((n <= 20000)); then # the seed pattern is O(n^2): 50k would take minutes
        p=$(best "$n" "$seed")
        ratio=$(echo "scale=1; $p / $c" | bc)x
        p=${p}s
    else
        p=- ratio=-
    fi
    printf '%-8s %-10s %-12s %-8s %s\n' "$n" "${c}s" "$p" "$ratio" "$(stats "$n" 'lib.collect services')"
done
for n in "$@"; do
    echo "collect n=$n: $(summary "$n")"
done

n=10000
all_paths='builtins.concatMap (s: [ s.dataDir ] ++ s.backupPaths)
    (builtins.filter (s: s.enable) (builtins.attrValues services))'
# builtins.length forces every element of the result in all three, like --strict does.
input=$(best $n "builtins.length ($all_paths)")
fast=$(best $n "builtins.length (lib.paths.uniqueStrings ($all_paths))")
naive=$(best $n "builtins.length (naiveUnique ($all_paths))")
echo "persistence dedup n=$n: uniqueStrings ${fast}s, naive foldl'+elem (nixpkgs lib.unique) ${naive}s," \
    "ratio $(echo "scale=1; $naive / $fast" | bc) (whole evaluations)"
# Both include Nix start-up and building the input list (${input}s): the dedup itself is the rest.
echo "persistence dedup n=$n without the shared ${input}s (start-up + input): uniqueStrings" \
    "$(echo "$fast - $input" | bc)s, naive $(echo "$naive - $input" | bc)s," \
    "ratio $(echo "scale=1; ($naive - $input) / ($fast - $input)" | bc)"

# The whole naive reference collector of the property test (O(n^2) walk), small sizes only;
# also a cross-check on larger inputs than the test uses.
ref="(import $root/tests/nix/collector/support/reference.nix).reference services"
for n in 1000 2000; do
    same=$(nix-instantiate --eval --strict --json -E "$(nixexpr $n "lib.collect services == $ref")")
    fast=$(best $n 'lib.collect services')
    slow=$(best $n "$ref")
    echo "naive reference collector n=$n: ${slow}s vs collect ${fast}s," \
        "ratio $(echo "scale=1; $slow / $fast" | bc), same result: $same"
done
