# shellcheck shell=bash
# Helpers for the host tests (sourced): TAP output, rendering from nix/lib, a fake systemctl.
#
# Each test file sources this, calls `tap_*`, and ends with `tap_done` (plan at the end, which
# TAP allows), so run.sh can sum the files up.

set -uo pipefail
export NIX_CONFIG='build-users-group ='

HOST_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the test files
REPO_ROOT=$(cd "$HOST_TESTS_DIR/../.." && pwd)
FIXTURES="$HOST_TESTS_DIR/fixtures"

_tap_n=0
_tap_failed=0

# ok DESCRIPTION / not ok DESCRIPTION, with optional diagnostics from a file or text.
tap_pass() {
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n - $1"
}
tap_fail() {
    _tap_n=$((_tap_n + 1))
    _tap_failed=$((_tap_failed + 1))
    echo "not ok $_tap_n - $1"
    if (($# > 1)); then printf '%s\n' "$2" | sed 's/^/# /'; fi
}
tap_skip() {
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n - $1 # SKIP $2"
}

# tap_check DESCRIPTION COMMAND...: passes when the command succeeds.
tap_check() {
    local desc=$1
    shift
    local out
    if out=$("$@" 2>&1); then tap_pass "$desc"; else tap_fail "$desc" "$out"; fi
}

# tap_eq DESCRIPTION EXPECTED ACTUAL
tap_eq() {
    if [[ $2 == "$3" ]]; then
        tap_pass "$1"
    else
        tap_fail "$1" "expected: $2
actual:   $3"
    fi
}

tap_done() {
    echo "1..$_tap_n"
    ((_tap_failed == 0))
}

# A scratch directory removed when the test file exits.
make_scratch() {
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/nixdrill-host-test.XXXXXX")
    trap 'rm -rf "$SCRATCH"' EXIT
}

# render_json FIXTURE ARGNAME NIX_EXPRESSION -> the fixture's result as JSON on stdout.
render_json() {
    nix-instantiate --eval --strict --json --arg "$2" "$3" "$FIXTURES/$1"
}

# write_files RESULT_JSON JQ_PATH DIR: one file per key of the object at JQ_PATH; .sh files
# made executable.
write_files() {
    local json=$1 path=$2 dir=$3 k
    mkdir -p "$dir"
    while IFS= read -r k; do
        jq -r --arg k "$k" "${path}[\$k]" <<<"$json" >"$dir/$k"
        [[ $k == *.sh ]] && chmod +x "$dir/$k"
    done < <(jq -r "$path | keys[]" <<<"$json")
}

# install_fake_systemctl BIN_DIR LOG: a systemctl that appends "VERB UNIT" to LOG and fails
# (status 1) for every "VERB:UNIT" listed in $FAKE_SYSTEMCTL_FAIL (space separated).
install_fake_systemctl() {
    mkdir -p "$1"
    cat >"$1/systemctl" <<EOF
#!/usr/bin/env bash
echo "\$*" >>'$2'
for f in \${FAKE_SYSTEMCTL_FAIL:-}; do
    if [[ \$f == "\$1:\$2" ]]; then echo "fake systemctl: \$1 \$2 failed" >&2; exit 1; fi
done
exit 0
EOF
    chmod +x "$1/systemctl"
    : >"$2"
}

# prom_value FILE METRIC [LABEL_SUBSTRING]: the value of the first matching sample.
prom_value() {
    local line
    line=$(grep -E "^$2\\{" "$1" | grep -F -- "${3:-}" | head -n1)
    printf '%s' "${line##* }"
}
