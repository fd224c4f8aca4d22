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
# The owner metadata nixdrill writes into each domain (process, run id, run directory).
owner_of() { virsh -c "${LIBVIRT_DEFAULT_URI:-qemu:///system}" metadata "$1" http://nixdrill.dev/xmlns/owner/1 2>/dev/null; }
# names_of SCENARIO: the nixdrill domains running a drill of SCENARIO (a grep -E pattern). A
# cold-booted one is named nixdrill-<run>-<scenario>; one restored from a warm slot is named
# after the slot and only its owner metadata says whose it is: its run directory is
# <run root>/nixdrill-<run>-<scenario>-XXXXXX.
names_of() {
    local d
    for d in $(virsh -c "${LIBVIRT_DEFAULT_URI:-qemu:///system}" list --all --name 2>/dev/null); do
        [[ $d == nixdrill-* ]] || continue
        if [[ $d =~ -($1)$ ]] || owner_of "$d" | grep -Eq "dir=\"[^\"]*-($1)-[^\"/-]*\""; then
            echo "$d"
        fi
    done
}
# domains_of SCENARIO: how many there are.
domains_of() { names_of "$1" | wc -l; }
# domains_of_run RUN_ID: how many domains belong to that run (named after it, or its metadata).
domains_of_run() {
    local d count=0
    for d in $(virsh -c "${LIBVIRT_DEFAULT_URI:-qemu:///system}" list --all --name 2>/dev/null); do
        if [[ $d == *"$1"* ]] || owner_of "$d" | grep -q "run=\"$1\""; then
            count=$((count + 1))
        fi
    done
    echo "$count"
}
# run_bg NAME CMD...: runs CMD in the background, its output in $work/NAME.out and its exit status
# in $work/NAME.rc (read them after `wait`).
run_bg() {
    local name=$1
    shift
    ("$@" >"$work/$name.out" 2>&1; echo $? >"$work/$name.rc") &
}
