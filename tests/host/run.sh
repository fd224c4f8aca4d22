#!/usr/bin/env bash
# Runs the host tests (tests/host/test-*.sh) and prints one TAP stream: each file's results
# renumbered and prefixed with the file's name, stray output turned into diagnostics, the
# plan at the end. Exit status 0 only if every test passed and every file exited 0.
# Usage: bash tests/host/run.sh [TEST-FILE...]
# Needs: nix-instantiate, jq, restic, promtool, shellcheck, systemd-analyze, python3,
# zip/unzip, xz, bzip2 (scripts/install-deps.sh); runs as root (chown to nobody:nogroup).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(($# == 0)) && set -- "$here"/test-*.sh

n=0 failed=0 broken=0
for t in "$@"; do
    name=$(basename "$t" .sh)
    name=${name#test-}
    while IFS= read -r line; do
        if [[ $line =~ ^(ok|not\ ok)\ [0-9]+\ -\ (.*)$ ]]; then
            n=$((n + 1))
            [[ ${BASH_REMATCH[1]} == "not ok" ]] && failed=$((failed + 1))
            echo "${BASH_REMATCH[1]} $n - $name: ${BASH_REMATCH[2]}"
        elif [[ $line =~ ^__exit\ ([0-9]+)$ ]]; then
            # A file that dies half-way must not pass for a short, green file.
            if ((BASH_REMATCH[1] != 0)); then
                broken=$((broken + 1))
                echo "# $name: exited with status ${BASH_REMATCH[1]}"
            fi
        elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
            :
        elif [[ $line == \#* ]]; then
            echo "$line"
        else
            echo "# $name: $line"
        fi
    done < <(
        bash "$t" 2>&1
        echo "__exit $?"
    )
done
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed, $broken file(s) exited non-zero"
((failed == 0 && broken == 0))
