#!/usr/bin/env bash
# `nixdrill run` choosing NixOS guests, through the real binary, without libvirt or nixpkgs: a
# NixOS guest that is asked for and not given, missing or built for another scenario makes a
# Broken drill (never a skip) whose message says what to do; bad flags are usage errors.
# Prints TAP. Usage: nixos-guest-cli.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

scenario=drill-single-service
mkdir -p "$work/s"
jq '.drill.guest = "nixos"' "$root/scenarios/drills/$scenario.json" >"$work/s/$scenario.json"

# 1. drill.guest = nixos, no --guest-image: Broken, with how to build the guest.
"$nixdrill" run "$work/s" --junit "$work/j.xml" >"$work/out" 2>&1
check "exits 1" test $? -eq 1
check "the eval half still passes" grep -qE "^PASS +s/$scenario" "$work/out"
check "the drill is Broken, not skipped" grep -qE "^BROKEN +$scenario/0-provision" "$work/out"
check "the message says how to build the guest" grep -qF "nix build .#guest-$scenario" "$work/out"
check "junit has one <error> and no <skipped>" \
    test "$(xmllint --xpath 'count(//error)' "$work/j.xml"),$(xmllint --xpath 'count(//skipped)' "$work/j.xml")" = 1,0

# 2. --guest nixos overrides the default debian guest; an empty --guest-image directory is named.
mkdir -p "$work/empty"
"$nixdrill" run --guest nixos --guest-image "$work/empty" "$root/scenarios/drills/$scenario.json" >"$work/out" 2>&1
check "--guest nixos with an empty image dir is Broken" grep -qF "no NixOS guest for scenario $scenario: $work/empty" "$work/out"

# 3. A guest built for another scenario is refused before anything boots.
g="$work/guests/$scenario"
mkdir -p "$g"
touch "$g/kernel" "$g/initrd" "$g/root.qcow2"
jq -n '{format: "nixdrill-guest/1", kind: "nixos", scenario: "drill-three-services",
        system: "/nix/store/00000000000000000000000000000000-nixos-system-nixdrill-guest",
        kernelVersion: "6.6.63", kernel: "kernel", initrd: "initrd",
        rootDisk: {path: "root.qcow2", format: "qcow2"},
        cmdline: "init=/nix/store/00000000000000000000000000000000-nixos-system-nixdrill-guest/init"}' \
    >"$g/nixdrill-guest.json"
"$nixdrill" run --guest nixos --guest-image "$work/guests" "$root/scenarios/drills/$scenario.json" >"$work/out" 2>&1
check "another scenario's guest is Broken" grep -qF "was built for scenario drill-three-services, not $scenario" "$work/out"

# 4. Bad flags are usage errors (exit 2).
"$nixdrill" run --guest fedora "$work/s" >"$work/out" 2>&1
check "--guest fedora is a usage error" test $? -eq 2
"$nixdrill" run --guest debian --guest-image "$work/guests" "$work/s" >"$work/out" 2>&1
check "--guest debian with --guest-image is a usage error" test $? -eq 2
"$nixdrill" eval --guest nixos "$work/s" >"$work/out" 2>&1
check "--guest with eval is a usage error" test $? -eq 2

tap_finish
