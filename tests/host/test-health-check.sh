#!/usr/bin/env bash
# Host test of the rendered health-<job>.sh (nix/lib/scripts/health-check.sh behind its rendered
# header): ready, not ready for each reason (exit status, missing expected text, a command that
# hangs past its timeout), --wait retrying until a check passes or its timeout is spent, a
# registration carrying the check of a service whose paths it took, quoting, bad usage, shellcheck.
source "$(dirname "$0")/lib.sh"
make_scratch

state="$SCRATCH/state"
mkdir -p "$state"
result=$(render_json render-backup.nix args "{
  services = {
    db = {
      enable = true;
      dataDir = \"$state/db\";
      backupPaths = [ \"$state/db\" ];
      priority = 10;
      healthCheck = { command = \"cat '$state/db/ready' 2>/dev/null\"; expect = \"rows=3\"; timeout = 4; };
    };
    # Its path is inside db's: db's job takes it and must pass app's check too.
    app = {
      enable = true;
      dataDir = \"$state/app\";
      backupPaths = [ \"$state/db/app\" ];
      healthCheck = { command = \"test -e '$state/app/up' && echo \\\"it's up\\\"\"; expect = \"it's up\"; timeout = 3; };
    };
    slow = {
      enable = true;
      backupPaths = [ \"$state/slow\" ];
      healthCheck = { command = \"sleep 30\"; timeout = 1; };
    };
  };
  config = {
    enable = true;
    restic.repositories.local = { url = \"$SCRATCH/repo\"; passwordFile = \"$SCRATCH/pw\"; primary = true; };
  };
}")
write_files "$result" .files "$SCRATCH/out"
db="$SCRATCH/out/health-service-db.sh"
app="$SCRATCH/out/health-service-app.sh"
slow="$SCRATCH/out/health-service-slow.sh"

tap_check "rendered: db's, app's and slow's scripts" test -x "$db" -a -x "$app" -a -x "$slow"
tap_check "shellcheck" shellcheck -s bash "$db" "$app" "$slow"

# Not ready: db's file is missing (exit 1 of cat), app's marker too.
out=$("$db" 2>&1)
tap_eq "nothing there: exit 1" 1 "$?"
tap_check "nothing there: db not ready, exit status named" grep -Eq "^not ready db \(exit 1\) after [01] s: $" <<<"$out"
tap_check "nothing there: app's check ran in db's script" grep -q "^not ready app (exit 1)" <<<"$out"

# The command succeeds, its output lacks the expected text.
mkdir -p "$state/db" "$state/app"
echo "rows=2" >"$state/db/ready"
out=$("$db" 2>&1)
tap_eq "wrong output: exit 1" 1 "$?"
tap_check "wrong output: says what is missing and what it got" \
    grep -Eq "^not ready db \(its output lacks 'rows=3'\) after [01] s: rows=2$" <<<"$out"

# Ready: every check passes.
echo "rows=3" >"$state/db/ready"
touch "$state/app/up"
out=$("$db" 2>&1)
tap_eq "ready: exit 0" 0 "$?"
# (SECONDS counts wall-clock second boundaries: 0 or 1 for a check that passes at once.)
tap_eq "ready: a line per check" $'ready db after N s\nready app after N s' "$(sed -E 's/after [01] s/after N s/' <<<"$out")"

# --wait: app's marker appears 2 s after the start; the script waits for it.
rm -f "$state/app/up"
(sleep 2 && touch "$state/app/up") &
start=$SECONDS
out=$("$app" --wait 2>&1)
rc=$?
tap_eq "--wait: ready once the service is" 0 "$rc"
tap_check "--wait: reported after the wait" grep -Eq "^ready app after [1-5] s$" <<<"$out"
tap_check "--wait: did not return before the marker" test $((SECONDS - start)) -ge 1
wait

# --wait gives up after the timeout (3 s for app).
rm -f "$state/app/up"
start=$SECONDS
out=$("$app" --wait 2>&1)
rc=$?
took=$((SECONDS - start))
tap_eq "--wait, never ready: exit 1" 1 "$rc"
tap_check "--wait, never ready: gave up after its timeout (3 s), took ${took} s" test "$took" -ge 3 -a "$took" -le 6

# A command that hangs is cut at its timeout.
start=$SECONDS
out=$("$slow" 2>&1)
rc=$?
took=$((SECONDS - start))
tap_eq "hanging command: exit 1" 1 "$rc"
tap_check "hanging command: says it did not finish" grep -q "^not ready slow (the command did not finish within 1 s)" <<<"$out"
tap_check "hanging command: cut well before its 30 s sleep, took ${took} s" test "$took" -le 5

# Bad usage.
"$db" --now >/dev/null 2>"$SCRATCH/err"
tap_eq "bad usage: exit 2" 2 "$?"
tap_check "bad usage: prints usage" grep -q "usage: health-service-db.sh \[--wait\]" "$SCRATCH/err"
"$db" --wait extra >/dev/null 2>&1
tap_eq "two arguments: exit 2" 2 "$?"

tap_done
