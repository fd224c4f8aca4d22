#!/usr/bin/env bash
# Runs the Nix-language tests under tests/nix and prints TAP.
#   eval-okay-NAME.nix + eval-okay-NAME.exp      : evaluates (--strict --json) to exactly the JSON in .exp
#   eval-fail-NAME.nix + eval-fail-NAME.err.exp  : evaluation fails and stderr contains every
#                                                  non-empty line of .err.exp
# NIXDRILL_ACCEPT=1 rewrites .exp/.err.exp files from what the evaluation produced.
# Usage: run-nix-tests.sh [DIR-OR-FILE...]   (default: the directory of this script)
set -uo pipefail
export NIX_CONFIG='build-users-group ='
here=$(cd "$(dirname "$0")" && pwd)
(($# == 0)) && set -- "$here"

mapfile -t tests < <(find "$@" -name 'eval-okay-*.nix' -o -name 'eval-fail-*.nix' | sort)
echo "1..${#tests[@]}"
n=0 failed=0
for t in "${tests[@]}"; do
    n=$((n + 1))
    name=${t#"$here"/}
    out=$(mktemp) err=$(mktemp)
    nix-instantiate --eval --strict --json "$t" >"$out" 2>"$err"
    rc=$?
    case "$t" in
    *eval-okay-*)
        exp=${t%.nix}.exp
        if ((rc != 0)); then
            echo "not ok $n - $name: evaluation failed"
            sed 's/^/# /' "$err"
            failed=$((failed + 1))
        elif [[ ${NIXDRILL_ACCEPT:-} == 1 ]]; then
            jq -S . "$out" >"$exp" && echo "ok $n - $name # accepted"
        elif [[ ! -f $exp ]]; then
            echo "not ok $n - $name: missing $exp (run with NIXDRILL_ACCEPT=1)"
            failed=$((failed + 1))
        elif diff -u <(jq -S . "$exp") <(jq -S . "$out") >"$err.diff"; then
            echo "ok $n - $name"
        else
            echo "not ok $n - $name: output differs from $(basename "$exp")"
            sed 's/^/# /' "$err.diff"
            failed=$((failed + 1))
        fi
        ;;
    *eval-fail-*)
        exp=${t%.nix}.err.exp
        if ((rc == 0)); then
            echo "not ok $n - $name: evaluation succeeded but should fail"
            sed 's/^/# /' "$out"
            failed=$((failed + 1))
        elif [[ ${NIXDRILL_ACCEPT:-} == 1 ]]; then
            grep -m1 '^error: ' "$err" | sed 's/^error: //' >"$exp"
            echo "ok $n - $name # accepted"
        elif [[ ! -f $exp ]]; then
            echo "not ok $n - $name: missing $exp"
            failed=$((failed + 1))
        else
            missing=0
            while IFS= read -r line; do
                [[ -z $line ]] && continue
                if ! grep -qF -- "$line" "$err"; then
                    echo "not ok $n - $name: stderr lacks: $line"
                    sed 's/^/# /' "$err"
                    missing=1
                    break
                fi
            done <"$exp"
            if ((missing)); then failed=$((failed + 1)); else echo "ok $n - $name"; fi
        fi
        ;;
    esac
    rm -f "$out" "$err" "$err.diff"
done
((failed == 0))
