#!/usr/bin/env bash
# Evaluates nix/modules through nixpkgs' real module system where a nixpkgs (or just its lib,
# e.g. a checkout of nix-community/nixpkgs.lib) is available; CI here has none, so this is a
# developer command, not a test. Usage: scripts/check-modules.sh [NIXPKGS_OR_LIB_DIR]
# (default: <nixpkgs> from NIX_PATH). Fails on an evaluation error, a failed assertion of the
# valid configuration, an option without description or example, an assertion message of the
# invalid configuration that does not start with its option path, or a drill option that does
# not reach the drill's command line (tests/nixos/eval-modules.nix says what each result is).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(nix-instantiate --eval -E '<nixpkgs>' 2>/dev/null || true)}
[[ -n $dir && -f $dir/lib/default.nix ]] || { echo "check-modules: need a directory with lib/default.nix (nixpkgs or nixpkgs.lib)" >&2; exit 2; }
out=$(NIX_CONFIG='build-users-group =' nix-instantiate --eval --strict --json \
    --arg nixpkgsLib "$dir" "$root/tests/nixos/eval-modules.nix")
echo "$out" | jq .
fail() { echo "check-modules: $*" >&2; exit 1; }
[[ $(jq '.assertions | length' <<<"$out") == 0 ]] || fail "failed assertions"
[[ $(jq '.undocumented | length' <<<"$out") == 0 ]] || fail "options without a description"
[[ $(jq '.noExample | length' <<<"$out") == 0 ]] || fail "options without an example"
[[ $(jq '.badAssertions | length' <<<"$out") -ge 5 ]] || fail "the invalid configuration failed too few assertions"
[[ $(jq '.withoutOptionPath | length' <<<"$out") == 0 ]] || fail "assertion messages without their option path"
[[ $(jq .badSample <<<"$out") == true ]] || fail "a bad drill sample fails no assertion naming services.nixdrill.drills.<name>.sample"
[[ $(jq '[.drill.b2[], .drill.fullRestore] | all' <<<"$out") == true ]] || fail "drill options missing from the drill's command line"
[[ $(jq '[.guests[] | (.assertions == []) and .markersOnGeneratedUnits and .jobsAreResticBackups] | all' <<<"$out") == true ]] ||
    fail "a drill scenario's NixOS guest configuration does not evaluate to its jobs"
echo "check-modules: $(jq .options <<<"$out") options documented, $(jq '.badAssertions | length' <<<"$out") assertion messages with option paths, no failed assertion"
