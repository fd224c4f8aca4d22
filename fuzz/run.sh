#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60). Prints the executions per target; exits non-zero on any crash, leak,
# sanitizer report or uncaught non-nixdrill exception (the input is kept in build-fuzz/artifacts/).
# The per-target lines are also written to BUILD/fuzz-summary.txt.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (targets: scenario nix-output agent-reply manifest run-result)
# Environment: NIXDRILL_FUZZ_BUILD (build dir), NIXDRILL_FUZZ_SECONDS (overrides SECONDS),
#              NIXDRILL_FUZZ_MAX_LEN (longest input, bytes), NIXDRILL_FUZZ_BUILD_ONLY=1 (build the
#              targets, fuzz nothing: scripts/test-all.sh builds them ahead, in the background)
set -euo pipefail

seconds=${NIXDRILL_FUZZ_SECONDS:-${1:-60}}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_FUZZ_BUILD:-$root/build-fuzz}
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(scenario nix-output agent-reply manifest run-result)
fi

mkdir -p "$build"
buildlog=$build/fuzz-build.log
t0=$SECONDS
# One build at a time in this directory (a background build ahead of the test, then the test).
exec 9>"$build/.build-lock"
flock 9
if [[ ! -f $build/build.ninja ]]; then
    # A setup that failed half-way leaves meson-private/ behind; meson then wants --wipe.
    wipe=()
    [[ -d $build/meson-private ]] && wipe=(--wipe)
    if ! CXX=${CXX:-clang++-14} meson setup "${wipe[@]}" "$build" "$root" -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized >"$buildlog" 2>&1; then
        tail -30 "$buildlog"
        echo "fuzz: cannot configure the clang build in $build (is clang-14 installed? scripts/install-deps.sh)" >&2
        exit 1
    fi
fi
if ! ninja -C "$build" -j2 "${targets[@]/#/fuzz/fuzz-}" >>"$buildlog" 2>&1; then
    tail -30 "$buildlog"
    echo "fuzz: building the fuzz targets failed (log: $buildlog)" >&2
    exit 1
fi
flock -u 9
if [[ -n ${NIXDRILL_FUZZ_BUILD_ONLY:-} ]]; then
    echo "fuzz: clang build ready in $((SECONDS - t0)) s"
    exit 0
fi
echo "fuzz: clang build ready in $((SECONDS - t0)) s (waiting included); fuzzing each target for $seconds s"

# UBSan findings count as crashes; leaks too.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# Seeds longer than this (scenarios/scale has 600 KB files) are cut: whole-file mutations of
# large inputs cost 50x the executions; huge inputs are covered by tests/unit/robustness.
max_len=${NIXDRILL_FUZZ_MAX_LEN:-65536}

status=0
mkdir -p "$build/artifacts"
summary=$build/fuzz-summary.txt
: >"$summary"
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
        printf '%-12s ok     %10s execs in %ss  (%s)\n' "$t" "${execs:-?}" "$seconds" "$cov" | tee -a "$summary"
    else
        printf '%-12s FAILED %10s execs (exit %d), log: %s\n' "$t" "${execs:-?}" "$rc" "$log" | tee -a "$summary"
        grep -E 'ERROR|runtime error|terminate called|Test unit written' "$log" | head -5 || true
        status=1
    fi
done
exit $status
