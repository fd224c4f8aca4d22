#!/usr/bin/env bash
# Fails when a C++ file under harness/, tests/ or bench/ differs from clang-format's output.
set -uo pipefail
root=${1:?source root}
cd "$root" || exit 1
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find harness tests bench -name '*.[ch]pp')
((${#files[@]} == 0)) && { echo "no C++ files found"; exit 1; }
if clang-format --dry-run --Werror "${files[@]}"; then
    echo "${#files[@]} files formatted"
else
    echo "run: clang-format -i \$(git ls-files '*.cpp' '*.hpp')"
    exit 1
fi
