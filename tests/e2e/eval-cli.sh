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

# 7. Reports that cannot be written: non-zero exit, the previous good report left untouched.
cp "$work/j.xml" "$work/keep.xml"
"$nixdrill" eval "$root/scenarios/collector" --junit "$work/keep.xml" --json "$work/no/such/dir/r.json" >"$work/out" 2>&1
check "unwritable report exits 2" test $? -eq 2
check "says reports not written" grep -q 'reports not written' "$work/out"
check "good junit left untouched" cmp -s "$work/j.xml" "$work/keep.xml"

# 8. Usage errors.
"$nixdrill" eval >"$work/out" 2>&1
check "eval without paths exits 2" test $? -eq 2

tap_finish
