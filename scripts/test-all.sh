#!/usr/bin/env bash
# Runs every test suite (unit, nix, vm) after building; prints meson's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NIXDRILL_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"

# The whole suite (no arguments for meson test): what only the last tests need is built ahead,
# in the background, at the lowest CPU priority, so it takes the CPU time the tests before it
# leave idle (a guest under TCG keeps about one core busy while the harness waits on it): the
# systemd-zfs image (about 500 s of compiling OpenZFS on 2 cores; vm/zfs waits on
# build-guest.sh's lock) and the fuzz test's clang build (fuzz/run.sh's lock). A failure here
# is not reported: the test that needs the result builds it again and reports it in full.
prebuilds=()
low=(nice -n 19 ionice -c 2 -n 7)
if (($# == 0)) && [[ -z ${NIXDRILL_NO_PREBUILD:-} ]]; then
    logs=$build/meson-logs
    mkdir -p "$logs"
    # After the plain systemd image (the first VM test's, built once whoever takes its lock):
    # both debootstrap into one package cache, which is not safe to share at the same time.
    # shellcheck disable=SC2016 # $0 is expanded by the inner bash
    "${low[@]}" bash -c 'bash "$0" systemd >/dev/null && bash "$0" systemd-zfs' \
        "$root/scripts/vm/build-guest.sh" >"$logs/prebuild-zfs-image.log" 2>&1 &
    prebuilds+=($!)
    NIXDRILL_FUZZ_BUILD=$build/fuzz-clang NIXDRILL_FUZZ_BUILD_ONLY=1 \
        "${low[@]}" bash "$root/fuzz/run.sh" >"$logs/prebuild-fuzz.log" 2>&1 &
    prebuilds+=($!)
fi
rc=0
meson test -C "$build" --print-errorlogs "$@" || rc=$?
# Normally long done (the tests waited for them); never leave one running.
for pid in "${prebuilds[@]}"; do
    wait "$pid" || true
done
exit $rc
