#!/usr/bin/env bash
# The main job: build, then run the default scenario suite — every scenario evaluated with
# nix/lib in one batch, and the VM drill of every scenario that has one (libvirt, QEMU under
# KVM where it works, TCG otherwise) — and write the reports to reports/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
mkdir -p "$root/reports"
cd "$root"
"$build/harness/cli/nixdrill" run scenarios/ \
    --json reports/run.json --junit reports/junit.xml --prometheus reports/nixdrill.prom
