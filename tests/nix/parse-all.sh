#!/usr/bin/env bash
# Every .nix file of the project parses (flake.nix and nix/modules cannot be evaluated here,
# without nixpkgs, but a syntax error must not wait for a machine that has it). Prints TAP.
set -uo pipefail
root=${1:?source root}
export NIX_CONFIG='build-users-group ='
cd "$root" || exit 1
mapfile -t files < <(git ls-files '*.nix' 2>/dev/null || find . -name '*.nix' -not -path './build*')
n=0 failed=0
for f in "${files[@]}"; do
    n=$((n + 1))
    if err=$(nix-instantiate --parse "$f" 2>&1 >/dev/null); then
        echo "ok $n - $f parses"
    else
        failed=$((failed + 1))
        echo "not ok $n - $f parses"
        sed 's/^/# /' <<<"$err"
    fi
done
echo "1..$n"
((failed == 0))
