# TAP helpers shared by the shell test scripts (sourced, not run).
# The caller sets $work, a scratch directory; a failed check shows the tail of $work/out.
n=0 failed=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
notok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    if [[ -f $work/out ]]; then sed 's/^/# /' "$work/out" | tail -60; fi
}
# check NAME COMMAND...: ok when COMMAND succeeds (its output is discarded).
check() {
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else notok "$name"; fi
}
# Prints the plan and exits non-zero when a check failed.
tap_finish() {
    echo "1..$n"
    ((failed == 0))
}
