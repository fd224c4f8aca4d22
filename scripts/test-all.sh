#!/usr/bin/env bash
# Runs every test suite (unit, nix, vm) after building; prints meson's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
meson test -C "$build" --print-errorlogs "$@"
