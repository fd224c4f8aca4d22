#!/usr/bin/env bash
# Benchmarks: builds with -Dbenchmarks=true into build-bench/ and prints, side by side in one
# run, the Google Benchmark results of the pure harness parts, batched vs per-process evaluation,
# and the collector's growth curve with its naive O(n^2) reference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BENCH_DIR:-$root/build-bench}
bash "$root/scripts/install-deps.sh"
if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" "$root" -Dbenchmarks=true -Dbuildtype=release
fi
ninja -C "$build"
echo "== harness (Google Benchmark)"
"$build/bench/report-bench"
echo "== batched evaluation"
bash "$root/bench/eval-batch.sh" "$build/harness/cli/nixdrill" 200
echo "== collector scaling"
bash "$root/bench/collector-scale.sh"
