#!/usr/bin/env bash
# Evaluates nix/modules through nixpkgs' real module system where a nixpkgs (or just its lib,
# e.g. a checkout of nix-community/nixpkgs.lib) is available; CI here has none, so this is a
# developer command, not a test. Usage: scripts/check-modules.sh [NIXPKGS_OR_LIB_DIR]
# (default: <nixpkgs> from NIX_PATH). Fails on an evaluation error or a failed assertion.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(nix-instantiate --eval -E '<nixpkgs>' 2>/dev/null || true)}
[[ -n $dir && -f $dir/lib/default.nix ]] || { echo "check-modules: need a directory with lib/default.nix (nixpkgs or nixpkgs.lib)" >&2; exit 2; }
out=$(NIX_CONFIG='build-users-group =' nix-instantiate --eval --strict --json \
    --arg nixpkgsLib "$dir" "$root/tests/nixos/eval-modules.nix")
echo "$out" | jq .
[[ $(jq '.assertions | length' <<<"$out") == 0 ]] || { echo "check-modules: failed assertions" >&2; exit 1; }
