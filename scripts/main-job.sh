#!/usr/bin/env bash
# The main job: build, then run the default scenario suite (evaluation of every scenario) and
# write the reports to reports/ (run.json, junit.xml, nixdrill.prom).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
mkdir -p "$root/reports"
cd "$root"
"$build/harness/cli/nixdrill" eval scenarios/ \
    --json reports/eval.json --junit reports/eval-junit.xml --prometheus reports/eval.prom
