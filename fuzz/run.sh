#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60). Prints the executions per target; exits non-zero on any crash, leak,
# sanitizer report or uncaught non-nixdrill exception (the input is kept in build-fuzz/artifacts/).
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (targets: scenario nix-output agent-reply manifest run-result)
set -euo pipefail

seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_FUZZ_BUILD:-$root/build-fuzz}
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(scenario nix-output agent-reply manifest run-result)
fi

if [[ ! -f $build/build.ninja ]]; then
    CXX=${CXX:-clang++-14} meson setup "$build" "$root" -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j2 "${targets[@]/#/fuzz/fuzz-}" >/dev/null

# UBSan findings count as crashes; leaks too.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# Seeds longer than this (scenarios/scale has 600 KB files) are cut: whole-file mutations of
# large inputs cost 50x the executions; huge inputs are covered by tests/unit/robustness.
max_len=${NIXDRILL_FUZZ_MAX_LEN:-65536}

status=0
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
    # New inputs go to a scratch corpus; the committed seeds are read-only inputs.
    work=$build/corpus/$t
    mkdir -p "$work"
    seeds=("$root/fuzz/corpus/$t")
    if [[ $t == scenario ]]; then
        seeds+=("$root/scenarios/"*/)
    fi
    log=$build/fuzz-$t.log
    rc=0
    "$build/fuzz/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -dict="$root/fuzz/json.dict" -artifact_prefix="$build/artifacts/$t-" "$work" "${seeds[@]}" \
        >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if ((rc == 0)); then
        printf '%-12s ok     %10s execs in %ss  (%s)\n' "$t" "${execs:-?}" "$seconds" "$cov"
    else
        printf '%-12s FAILED %10s execs (exit %d), log: %s\n' "$t" "${execs:-?}" "$rc" "$log"
        grep -E 'ERROR|runtime error|terminate called|Test unit written' "$log" | head -5 || true
        status=1
    fi
done
exit $status
