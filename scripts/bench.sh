#!/usr/bin/env bash
# Benchmarks: builds with -Dbenchmarks=true into build-bench/ and prints, side by side in one
# run, the Google Benchmark results of the pure harness parts, batched vs per-process evaluation,
# the collector's growth curve with its naive O(n^2) reference, and (when libvirtd is reachable:
# scripts/vm/start-libvirt.sh as root) cold vs warm guest starts and serial vs parallel drills
# with their time profiles, manifest hashing against sha256sum in the guest.
# NIXDRILL_BENCH_VM=0 skips the VM parts.
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
if [[ ${NIXDRILL_BENCH_VM:-1} != 0 ]] && virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "== warm vs cold guest start (systemd guest, 768 MiB)"
    "$build/bench/vm-start-bench" 3 systemd 768
    echo "== manifest hashing vs sha256sum, restic fixed cost (systemd guest)"
    "$build/bench/manifest-bench" 2000 32 3
    echo "== parallel drills (two short drills, serial then --jobs 2)"
    bash "$root/bench/parallel-drills.sh" "$build/harness/cli/nixdrill" 2
    echo "== harness overhead in the shipped drills (own CPU and agent channel vs wall)"
    bash "$root/bench/harness-overhead.sh" "$build/harness/cli/nixdrill"
else
    echo "== VM benchmarks skipped (libvirtd not reachable: run scripts/vm/start-libvirt.sh as root)"
fi
