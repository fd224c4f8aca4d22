#!/usr/bin/env bash
# `nixdrill drill` against real local restic repositories made here: good, corrupted, empty,
# stale-locked, wrong password. Proves the drill writes nothing to a repository and never prints
# the password. Prints TAP. Usage: drill-cli.sh NIXDRILL
set -uo pipefail
nixdrill=${1:?nixdrill binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

secret="drill-secret-$RANDOM-$RANDOM-planted"
printf '%s\n' "$secret" >"$work/pw"
export RESTIC_PASSWORD_FILE=$work/pw RESTIC_CACHE_DIR=$work/cache
listing() { find "$1" -printf '%P %s %T@\n' | sort; }
prom() { grep "^$1{" "$2" | awk '{print $NF}'; }
make_repo() { # make_repo DIR: a repository with one snapshot of a varied tree
    RESTIC_REPOSITORY=$1 restic init -q
    mkdir -p "$work/data/sub dir/données"
    for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom >"$work/data/sub dir/f$i.bin"; done
    echo hello >"$work/data/sub dir/données/été.txt"
    chmod 0600 "$work/data/sub dir/f3.bin"
    ln -sf f1.bin "$work/data/sub dir/link"
    RESTIC_REPOSITORY=$1 restic backup -q "$work/data" >/dev/null
}

# 1. A good repository: the sample restores and verifies, check passes, metrics say so.
make_repo "$work/good"
before=$(listing "$work/good")
"$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name good --sample 10 \
    --read-data-subset 100% --metrics-dir "$work" --json "$work/good.json" --junit "$work/good.xml" >"$work/out" 2>&1
check "good repository: exit 0" test $? -eq 0
check "good repository: restore_test_status 1" test "$(prom restic_restore_test_status "$work/restic-drill-good.prom")" = 1
check "good repository: verification_status 1" test "$(prom restic_verification_status "$work/restic-drill-good.prom")" = 1
check "good repository: snapshot age measured" grep -q '^restic_snapshot_age_seconds{' "$work/restic-drill-good.prom"
check "good repository: metrics pass promtool" promtool check metrics <"$work/restic-drill-good.prom"
check "good repository: restored 10 sampled files" grep -q 'restored 10 file(s) of 41 (sample 10 files' "$work/good.json"
check "the repository is byte for byte unchanged (no lock, no write)" test "$before" = "$(listing "$work/good")"
"$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name full --full --json "$work/full.json" >"$work/out" 2>&1
check "full restore of the good repository: exit 0" test $? -eq 0
check "full restore restored every regular file (41)" grep -q 'restored 41 file(s) of 41 (full restore)' "$work/full.json"

# 1b. A percentage: 10% of the 41 files is 5 (rounded up), the same 5 on every run (the seed is
# the snapshot's id), others with another --seed; a tiny share still restores one file.
restored() { (cd "$1" && find . -type f | sort); }
for run in a b; do
    "$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name pct --sample 10% \
        --scratch "$work/pct-$run" --metrics-dir "$work" --json "$work/pct-$run.json" >"$work/out" 2>&1
    check "10% sample (run $run): exit 0" test $? -eq 0
done
check "10% of 41 files restores 5" grep -q 'restored 5 file(s) of 41 (sample 10%, seed ' "$work/pct-a.json"
check "10% sample: 5 regular files in the scratch directory" test "$(restored "$work/pct-a" | wc -l)" -eq 5
check "10% sample: the same files on a second run" test "$(restored "$work/pct-a")" = "$(restored "$work/pct-b")"
check "10% sample: restore_test_status 1" test "$(prom restic_restore_test_status "$work/restic-drill-pct.prom")" = 1
differs=0
for seed in 1 2 3 4 5; do
    "$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name seeded --sample 10% \
        --seed "$seed" --scratch "$work/seed-$seed" >"$work/out" 2>&1 || differs=-100
    [[ $(restored "$work/seed-$seed") != "$(restored "$work/pct-a")" ]] && differs=$((differs + 1))
done
check "10% sample: other seeds choose other files (at least 3 of 5 differ)" test "$differs" -ge 3
"$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name tiny --sample 0.01% \
    --json "$work/tiny.json" >"$work/out" 2>&1
check "0.01% of 41 files still restores 1" grep -q 'restored 1 file(s) of 41 (sample 0.01%' "$work/tiny.json"
"$nixdrill" drill --repository "$work/good" --password-file "$work/pw" --name over --sample 150% \
    --metrics-dir "$work" >"$work/out" 2>&1
check "--sample 150% is bad usage: exit 2" test $? -eq 2
check "--sample 150% names the value and what is accepted" grep -q "sample takes a number of files from 1 to 1000000 or a percentage.*got '150%'" "$work/out"
check "--sample 150% runs nothing (no metrics file)" test ! -e "$work/restic-drill-over.prom"
check "the percentage drills left the repository unchanged" test "$before" = "$(listing "$work/good")"

# 2. A corrupted pack file: check --read-data finds it; the verification metric says 0.
cp -a "$work/good" "$work/bad"
pack=$(find "$work/bad/data" -type f | sort | head -n 1)
size=$(stat -c %s "$pack")
printf '\xff' | dd of="$pack" bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
"$nixdrill" drill --repository "$work/bad" --password-file "$work/pw" --name bad --full \
    --read-data-subset 100% --metrics-dir "$work" >"$work/out" 2>&1
check "corrupted repository: exit 1" test $? -eq 1
check "corrupted repository: check fails" grep -q '^FAIL .*drill.bad/check' "$work/out"
check "corrupted repository: verification_status 0" test "$(prom restic_verification_status "$work/restic-drill-bad.prom")" = 0

# 3. An empty repository: no snapshot is a failure, the restore is skipped.
RESTIC_REPOSITORY=$work/empty restic init -q
"$nixdrill" drill --repository "$work/empty" --password-file "$work/pw" --name empty --metrics-dir "$work" >"$work/out" 2>&1
check "empty repository: exit 1" test $? -eq 1
check "empty repository: says there is no snapshot" grep -q 'the repository has no snapshot to restore' "$work/out"
check "empty repository: restore skipped" grep -q '^SKIP .*drill.empty/restore' "$work/out"
check "empty repository: restore_test_status 0" test "$(prom restic_restore_test_status "$work/restic-drill-empty.prom")" = 0

# 4. A stale lock (a backup killed mid-run) stays where it is; the drill still works.
cp -a "$work/good" "$work/locked"
head -c 300000000 /dev/zero >"$work/big"
RESTIC_REPOSITORY=$work/locked restic backup -q "$work/big" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -n $(ls -A "$work/locked/locks" 2>/dev/null) ]] && break; sleep 0.1; done
{
    kill -9 "$pid"
    wait "$pid"
} 2>/dev/null
rm -f "$work/big"
locks_before=$(ls "$work/locked/locks")
check "a stale lock was left by the killed backup" test -n "$locks_before"
"$nixdrill" drill --repository "$work/locked" --password-file "$work/pw" --name locked >"$work/out" 2>&1
check "locked repository: the drill passes" test $? -eq 0
check "locked repository: the lock is not removed" test "$locks_before" = "$(ls "$work/locked/locks")"

# 5. A wrong password: Broken, not a pass; the password is never shown.
printf 'not-the-password\n' >"$work/wrong"
"$nixdrill" drill --repository "$work/good" --password-file "$work/wrong" --name wrong --json "$work/wrong.json" >"$work/out" 2>&1
check "wrong password: exit 1" test $? -eq 1
check "wrong password: BROKEN" grep -q '^BROKEN .*drill.wrong/latest-snapshot' "$work/out"

# 6. The planted password appears in no output, report or metrics file.
check "the password appears in no report or output" bash -c "! grep -rqF -- '$secret' '$work'/*.json '$work'/*.xml '$work'/*.prom '$work/out'"

# 7. Usage: a password is never taken on the command line.
"$nixdrill" drill --repository "$work/good" >"$work/out" 2>&1
check "drill without --password-file exits 2" test $? -eq 2

tap_finish
