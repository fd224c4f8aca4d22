#!/usr/bin/env bash
# Mutation testing of a real-service contract through the real nixdrill binary, libvirt and
# QEMU: `run --mutants` on the MariaDB drill (scenarios/services) must kill every mutant of its
# contract, and a weaker copy of that drill (it never loses the database) must report the
# mutant it lets survive, with the reason. The seeded-file drill (scenarios/drills) kills its
# exclude mutant (the drill's data stays the unmutated contract's) and reports the unit it cannot
# notice (nothing writes during its backup). Prints TAP. Usage: mutants.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"

mkdir -p "$work/in"
cp "$root/scenarios/services/drill-mariadb.json" "$work/in/drill-mariadb.json"
cp "$root/scenarios/drills/drill-single-service.json" "$work/in/drill-single-service.json"
# The weaker drill: the same contract and steps, but the database is never lost, so a restore
# that does not load the dump still finds the rows in place.
jq '.drill.steps |= map(select(.name != "lose-the-database"))' "$root/scenarios/services/drill-mariadb.json" \
    >"$work/in/drill-mariadb-weak.json"
check "the weaker drill really lost its step" \
    test "$(jq '.drill.steps | length' "$work/in/drill-mariadb-weak.json")" -eq \
    "$(($(jq '.drill.steps | length' "$root/scenarios/services/drill-mariadb.json") - 1))"

start=$SECONDS
"$nixdrill" run --mutants "$work/in" --junit "$work/j.xml" --json "$work/r.json" --prometheus "$work/m.prom" \
    >"$work/out" 2>&1
rc=$?
echo "# mutants took $((SECONDS - start)) s"
keep_reports mutants "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "the run fails: the weaker drill has a survivor" test $rc -eq 1
check "junit is well-formed" xmllint --noout "$work/j.xml"
prop() { jq -r --arg k "$1" '.properties[$k] // "absent"' "$work/r.json"; }
# mutant_says SCENARIO MUTANT OUTCOME TEXT: the mutant's one case has OUTCOME, TEXT in its message.
mutant_says() {
    jq -e --arg s "mutants.$1" --arg c "$2" --arg o "$3" --arg t "$4" \
        '[.suites[] | select(.name == $s) | .cases[] | select(.name == $c)] |
         length == 1 and .[0].outcome == $o and (.[0].message | contains($t))' "$work/r.json"
}

# The shipped drill: every mutant killed, each by the step that should notice.
check "shipped drill: score 3/3" test "$(prop mutants.drill-mariadb.score)" = 3/3
check "shipped drill: no survivor" test -z "$(prop mutants.drill-mariadb.survivors)"
check "shipped drill: the drill itself passed" \
    jq -e '[.suites[] | select(.name == "drill.drill-mariadb") | .cases[] | .outcome] | all(. == "passed")' "$work/r.json"
check "no preBackup: killed by the in-place restore (no dump to load)" \
    mutant_says drill-mariadb drop-preBackup.shop passed "killed by restore-in-place: the rendered restore"
check "no postRestore: killed by the in-place restore (the database is not back)" \
    mutant_says drill-mariadb drop-postRestore.shop passed "killed by restore-in-place"
check "dump excluded: killed" mutant_says drill-mariadb exclude-data.shop passed "killed by "
check "the terminal prints the score" grep -q '^mutation score drill-mariadb: 3/3 killed$' "$work/out"

# The weaker drill: the mutant without postRestore survives, reported with the reason.
check "weaker drill: score 2/3" test "$(prop mutants.drill-mariadb-weak.score)" = 2/3
check "weaker drill: the survivor is named" test "$(prop mutants.drill-mariadb-weak.survivors)" = drop-postRestore.shop
check "weaker drill: the survivor is a failed case that says why" \
    mutant_says drill-mariadb-weak drop-postRestore.shop failed "survived: every step passed with no postRestore"
check "weaker drill: the survivor says what would notice it" \
    mutant_says drill-mariadb-weak drop-postRestore.shop failed "a drill would lose the service's live data"

# Seeded files: the exclude that swallows the dataDir is killed by the restore to a fresh place
# (it expects the files the service holds), the unit no longer stopped survives.
check "seeded drill: score 1/2" test "$(prop mutants.drill-single-service.score)" = 1/2
check "seeded drill: exclude-data killed by the files missing from the restore" \
    mutant_says drill-single-service exclude-data.notes passed "killed by restore-to-scratch: "
check "seeded drill: the missing files are the dataDir's" \
    jq -e '[.suites[] | select(.name == "mutants.drill-single-service") | .cases[] |
            select(.name == "exclude-data.notes") | .output | test("failed restore-to-scratch: [0-9]+ difference")] == [true]' \
    "$work/r.json"
check "seeded drill: the unit not stopped survives, with what would notice it" \
    mutant_says drill-single-service drop-systemdUnit.notes.0 failed "a drill would write the service's data while the backup runs"
check "seeded drill: no drop-backupPath mutant (its only backupPath)" \
    jq -e '[.suites[] | select(.name == "mutants.drill-single-service") | .cases[] | .name] ==
           ["drop-systemdUnit.notes.0", "exclude-data.notes"]' "$work/r.json"
check "the terminal names the survivor" \
    grep -q '^mutation score drill-mariadb-weak: 2/3 killed; survived: drop-postRestore.shop$' "$work/out"
check "a killed mutant's later steps are skipped, not run" \
    jq -e '[.suites[] | select(.name == "mutants.drill-mariadb") | .cases[] | select(.name == "drop-postRestore.shop")
            | .output | contains("skipped ready-after-restore: not run: restore-in-place failed")] == [true]' "$work/r.json"
check "mutant steps are not reported as the suite's failures" \
    jq -e '[.suites[] | select(.name | test("~"))] | length == 0' "$work/r.json"
check "no nixdrill domain left" test "$(domains)" -eq 0
tap_finish
