#!/usr/bin/env bash
# Installs the dependencies (if missing) and builds nixdrill into build/ (or $NIXDRILL_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
# Drills need libvirtd; where no service manager starts it (CI), start it ourselves.
bash "$root/scripts/vm/start-libvirt.sh"
if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" "$root" "$@"
elif (($# > 0)); then
    meson configure "$build" "$@"
fi
ninja -C "$build"
