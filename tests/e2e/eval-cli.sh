#!/usr/bin/env bash
# End-to-end checks of `nixdrill eval` and `nixdrill report` through the real binary and Nix.
# Prints TAP. Usage: eval-cli.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# 1. Every shipped scenario passes, with all three reports written and well-formed.
"$nixdrill" eval "$root/scenarios" --junit "$work/j.xml" --prometheus "$work/m.prom" --json "$work/r.json" >"$work/out" 2>&1
check "shipped scenarios pass" test $? -eq 0
check "junit is well-formed XML" xmllint --noout "$work/j.xml"
check "junit has no failure or error" test "$(xmllint --xpath 'count(//failure|//error)' "$work/j.xml")" = 0
check "every testcase has a classname" test "$(xmllint --xpath 'count(//testcase[not(@classname) or @classname=""])' "$work/j.xml")" = 0
check "prometheus textfile passes promtool" promtool check metrics <"$work/m.prom"
check "summary line printed" grep -qE '^[0-9]+ passed, 0 failed, 0 broken, 0 skipped' "$work/out"

# 2. A scenario edited to a wrong expectation fails with a readable diff and a JUnit <failure>.
mkdir -p "$work/wrong"
jq '.expect.collector.backupOrder = ["nextcloud", "ghost"] | .expect.collector.persistence[0] = "/var/lib/elsewhere"' \
    "$root/scenarios/collector/single-service.json" >"$work/wrong/single-service.json"
"$nixdrill" eval "$work/wrong" --junit "$work/wj.xml" >"$work/out" 2>&1
check "wrong expectation exits 1" test $? -eq 1
check "diff names the JSON pointer, expected and actual" \
    grep -qF '/collector/persistence/0: expected "/var/lib/elsewhere", got "/var/lib/nextcloud"' "$work/out"
check "missing element is reported" grep -qF '/collector/backupOrder/1: expected "ghost", got nothing' "$work/out"
check "junit has one <failure>" test "$(xmllint --xpath 'count(//testcase/failure)' "$work/wj.xml")" = 1

# 3. An unparsable scenario gives file:line:col, a Broken case and a non-zero exit; others still run.
mkdir -p "$work/bad"
printf '{\n  "format": "nixdrill-scenario/1",\n  "services": {\n    "a": {"enable": true,}\n  }\n}\n' >"$work/bad/broken.json"
cp "$root/scenarios/collector/defaults.json" "$work/bad/"
"$nixdrill" eval "$work/bad" --junit "$work/bj.xml" >"$work/out" 2>&1
check "unparsable scenario exits non-zero" test $? -eq 1
check "error has file:line:col" grep -qF "$work/bad/broken.json:4:26: syntax error" "$work/out"
check "junit has an <error> for it" test "$(xmllint --xpath 'count(//testcase/error)' "$work/bj.xml")" = 1
check "the other scenario still passed" grep -q '^PASS .*defaults' "$work/out"

# 4. A Nix evaluation error is Broken (error), not Failed, with Nix's own message.
mkdir -p "$work/nixerr"
jq '.services.nextcloud.priority = "high" | del(.expect) | .name = "type-error"' \
    "$root/scenarios/collector/single-service.json" >"$work/nixerr/t.json"
"$nixdrill" eval "$work/nixerr" --junit "$work/nj.xml" >"$work/out" 2>&1
check "evaluation error exits 1" test $? -eq 1
check "evaluation error is BROKEN" grep -q '^BROKEN' "$work/out"
check "message names the option path" grep -qF 'qgroget.serviceModules.nextcloud.priority' "$work/out"

# 5. Golden update: --accept rewrites a wrong expectation, after which the scenario passes.
"$nixdrill" eval --accept "$work/wrong" >"$work/out" 2>&1
check "accept run passes" test $? -eq 0
"$nixdrill" eval "$work/wrong" >"$work/out" 2>&1
check "accepted scenario passes afterwards" test $? -eq 0
check "accepted file keeps its description" jq -e '.description | length > 0' "$work/wrong/single-service.json"

# 6. `report` re-renders the same JUnit from the stored run result.
"$nixdrill" report --from "$work/r.json" --junit "$work/j2.xml" --prometheus "$work/m2.prom" >"$work/out" 2>&1
check "report exits 0" test $? -eq 0
check "re-rendered junit is identical" cmp -s "$work/j.xml" "$work/j2.xml"
check "re-rendered metrics are identical" cmp -s "$work/m.prom" "$work/m2.prom"

# 6b. Re-running what failed: `run --rerun-failed` takes only the failed scenarios of a stored
# run, from the paths that run recorded; `--only` keeps scenarios by name or pattern. (Scenarios
# without a drill: no guest boots.)
mkdir -p "$work/rr"
cp "$root/scenarios/collector/single-service.json" "$root/scenarios/collector/defaults.json" "$work/rr/"
jq '.expect.collector.backupOrder = ["ghost"]' "$root/scenarios/collector/single-service.json" >"$work/rr/wrong-one.json"
(cd "$work" && "$nixdrill" run rr --json "$work/rr1.json" >"$work/out" 2>&1)
check "rerun: the first run fails" test $? -eq 1
(cd "$work" && "$nixdrill" run --rerun-failed "$work/rr1.json" --json "$work/rr2.json" >"$work/out" 2>&1)
check "rerun: the failed scenario fails again" test $? -eq 1
check "rerun: only the failed scenario ran" \
    jq -e '[.suites[].cases[] | .scenario] == ["wrong-one"] and .suites[0].cases[0].outcome == "failed"' "$work/rr2.json"
cp "$work/rr/single-service.json" "$work/rr/wrong-one.json"
(cd "$work" && "$nixdrill" run --rerun-failed "$work/rr1.json" >"$work/out" 2>&1)
check "rerun: fixed, it passes" test $? -eq 0
check "rerun: fixed, one scenario passed" grep -q '^1 passed, 0 failed, 0 broken, 0 skipped' "$work/out"
"$nixdrill" run --rerun-failed "$work/r.json" >"$work/out" 2>&1
check "rerun of a run that passed: exit 0" test $? -eq 0
check "rerun of a run that passed: says nothing ran" grep -qF "nothing failed or broke in $work/r.json" "$work/out"
rm "$work/rr/wrong-one.json"
(cd "$work" && "$nixdrill" run --rerun-failed "$work/rr1.json" >"$work/out" 2>&1)
check "rerun of a removed scenario: exit 2" test $? -eq 2
check "rerun of a removed scenario: names it" grep -qF "no scenario named wrong-one among the paths" "$work/out"
"$nixdrill" eval "$work/rr" --only 'single-*' --json "$work/only.json" >"$work/out" 2>&1
check "--only: exit 0" test $? -eq 0
check "--only: the matching scenario alone" jq -e '[.suites[].cases[] | .scenario] == ["single-service"]' "$work/only.json"
"$nixdrill" eval "$work/rr" --only nothing-like-this >"$work/out" 2>&1
check "--only matching nothing: exit 2" test $? -eq 2
check "--only matching nothing: lists what there is" \
    grep -qF -- '--only nothing-like-this selects no scenario; the paths hold: defaults, single-service' "$work/out"

# 6c. Shards: `--shard K/N` (balanced by the durations of the full run's --json) splits the
# scenarios between runners; `report --from` of every shard merges them into the full run's
# cases, case for case; overlapping runs and bad shards are refused.
cases() { jq -S '[.suites[] | .name as $s | .cases[] | {suite: $s, name, scenario, kind, outcome, message}] | sort' "$1"; }
for k in 1 2; do
    "$nixdrill" eval "$root/scenarios" --shard "$k/2" --shard-durations "$work/r.json" --json "$work/shard$k.json" \
        >"$work/out-shard$k" 2>&1
    check "shard $k/2: exit 0" test $? -eq 0
    check "shard $k/2: says what it kept" grep -qE "^\.\.\.\.  shard $k/2: [1-9][0-9]* of [0-9]+ scenario\(s\)" "$work/out-shard$k"
done
"$nixdrill" report --from "$work/shard1.json" --from "$work/shard2.json" --json "$work/merged.json" \
    --junit "$work/merged.xml" >"$work/out" 2>&1
check "merge: exit 0" test $? -eq 0
check "merge: the shards are disjoint and cover every case of the full run" \
    bash -c "diff <(cases '$work/merged.json') <(cases '$work/r.json')"
check "merge: each shard has fewer cases than the whole" \
    test "$(jq '[.suites[].cases[]] | length' "$work/shard1.json")" -lt "$(jq '[.suites[].cases[]] | length' "$work/r.json")"
check "merge: the JUnit of the merged run counts every case" \
    test "$(xmllint --xpath 'count(//testcase)' "$work/merged.xml")" = "$(xmllint --xpath 'count(//testcase)' "$work/j.xml")"
check "merge: it names the runs merged" jq -e '.properties["merge.runs"] | test(",")' "$work/merged.json"
"$nixdrill" report --from "$work/shard1.json" --from "$work/r.json" >"$work/out" 2>&1
check "merge of overlapping runs: exit 2" test $? -eq 2
check "merge of overlapping runs: names a scenario in both" grep -qE "scenario [^ ]+ is in both .*shard1.json and .*r.json" "$work/out"
"$nixdrill" report --from "$work/shard1.json" --from "$work/missing.json" --from "$work/j.xml" >"$work/out" 2>&1
check "merge of unreadable runs: exit 2" test $? -eq 2
check "merge of unreadable runs: both named in one report" \
    bash -c "grep -q 'missing.json' '$work/out' && grep -q 'j.xml: not JSON' '$work/out'"
for bad in 3/2 0/0 1/0 x/2; do
    "$nixdrill" eval "$root/scenarios" --shard "$bad" >"$work/out" 2>&1
    check "--shard $bad: exit 2" test $? -eq 2
    check "--shard $bad: says why" grep -qF -- "--shard $bad: " "$work/out"
done

# 7. Reports that cannot be written: non-zero exit, the previous good report left untouched.
cp "$work/j.xml" "$work/keep.xml"
"$nixdrill" eval "$root/scenarios/collector" --junit "$work/keep.xml" --json "$work/no/such/dir/r.json" >"$work/out" 2>&1
check "unwritable report exits 2" test $? -eq 2
check "says reports not written" grep -q 'reports not written' "$work/out"
check "good junit left untouched" cmp -s "$work/j.xml" "$work/keep.xml"

# 7b. The report directory is full, then read-only (a tmpfs of our own; the CI runs as root): the
# run says so, exits 2, and none of the three good reports is replaced or left half-written.
full=$work/full
mkdir -p "$full"
if mount -t tmpfs -o size=64k nixdrill-e2e "$full" 2>"$work/out"; then
    # umount on exit too: the trap above only removes files.
    trap 'umount "$full" 2>/dev/null; rm -rf "$work"' EXIT
    reports=(--junit "$full/j.xml" --prometheus "$full/m.prom" --json "$full/r.json")
    "$nixdrill" eval "$root/scenarios/collector" "${reports[@]}" >"$work/out" 2>&1
    check "full disk: the first reports are written" test $? -eq 0
    cp "$full/j.xml" "$work/good.xml" && cp "$full/m.prom" "$work/good.prom" && cp "$full/r.json" "$work/good.json"
    # Fill what is left: the whole suite's reports (larger) cannot fit.
    dd if=/dev/zero of="$full/fill" bs=1k count=1024 2>/dev/null
    "$nixdrill" eval "$root/scenarios" "${reports[@]}" >"$work/out" 2>&1
    check "full disk: exits 2" test $? -eq 2
    check "full disk: says no space is left" grep -q 'reports not written: .*No space left on device' "$work/out"
    check "full disk: the good reports are untouched" bash -c "cmp -s '$work/good.xml' '$full/j.xml' &&
        cmp -s '$work/good.prom' '$full/m.prom' && cmp -s '$work/good.json' '$full/r.json'"
    check "full disk: no temporary file left" test "$(find "$full" -mindepth 1 -not -name fill | wc -l)" -eq 3
    rm -f "$full/fill"
    mount -o remount,ro "$full"
    "$nixdrill" eval "$root/scenarios" "${reports[@]}" >"$work/out" 2>&1
    check "read-only: exits 2" test $? -eq 2
    check "read-only: says the file system is read-only" grep -q 'reports not written: .*Read-only file system' "$work/out"
    check "read-only: the good reports are untouched" bash -c "cmp -s '$work/good.xml' '$full/j.xml' &&
        cmp -s '$work/good.prom' '$full/m.prom' && cmp -s '$work/good.json' '$full/r.json'"
    umount "$full"
else
    # Not root (a developer's machine): the unit test of atomic writes still covers the mechanism.
    echo "ok $((n + 1)) - full / read-only report directory # SKIP cannot mount a tmpfs: $(head -c 200 "$work/out")"
    n=$((n + 1))
fi

# 8. Usage errors, and each command's help.
"$nixdrill" eval >"$work/out" 2>&1
check "eval without paths exits 2" test $? -eq 2
"$nixdrill" eval "$root/scenarios" --bogus >"$work/out" 2>&1
check "an unknown flag exits 2" test $? -eq 2
check "an unknown flag is named" grep -qF "nixdrill: unknown option '--bogus'" "$work/out"
"$nixdrill" eval "$root/scenarios" --eval-timeout >"$work/out" 2>&1
check "a flag without its value exits 2" test $? -eq 2
check "a flag without its value is named" grep -qF 'nixdrill: option --eval-timeout needs a value' "$work/out"
"$nixdrill" drill --help >"$work/out" 2>&1
check "drill --help exits 0 (without drill's required flags)" test $? -eq 0
check "drill --help prints drill's usage" grep -q '^usage: nixdrill drill --repository URL' "$work/out"
check "drill --help lists drill's options only" bash -c "grep -q -- '--sample N|P%' '$work/out' && ! grep -q -- '--guest' '$work/out'"
"$nixdrill" help run >"$work/out" 2>&1
check "help run exits 0" test $? -eq 0
check "help run prints run's options" grep -q -- '--guest KIND' "$work/out"

tap_finish
