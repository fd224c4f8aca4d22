# Helpers shared by the VM test scripts (sourced, not run).
# How many nixdrill-* libvirt domains exist on the connection the drills use (LIBVIRT_DEFAULT_URI,
# else qemu:///system; the tests observe with virsh, the product never uses it).
domains() { virsh -c "${LIBVIRT_DEFAULT_URI:-qemu:///system}" list --all --name 2>/dev/null | grep -c '^nixdrill-' || true; }
# keep_reports NAME JUNIT JSON [PROM]: with NIXDRILL_KEEP_REPORTS set, copy a run's reports to
# NAME/ there under the names the README's main job writes (reports/), so that two trees' suites can be
# compared with scripts/normalise-reports.py.
keep_reports() {
    [[ -n ${NIXDRILL_KEEP_REPORTS:-} ]] || return 0
    local dir=$NIXDRILL_KEEP_REPORTS/$1
    mkdir -p "$dir"
    [[ -f $2 ]] && cp "$2" "$dir/junit.xml"
    [[ -f $3 ]] && cp "$3" "$dir/run.json"
    [[ -n ${4:-} && -f $4 ]] && cp "$4" "$dir/nixdrill.prom"
    return 0
}
