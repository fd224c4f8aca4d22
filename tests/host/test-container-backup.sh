#!/usr/bin/env bash
# Host test of the rendered container backup script (nix/lib/container.nix): every format is
# archived, copied to every destination with owner nobody:nogroup and restored back
# identically; retention by count and by age per destination; failures of tar, of systemctl
# and of a destination; SIGTERM. A fake systemctl records the calls, so a service left stopped
# or a leftover temporary directory fails these tests.
source "$(dirname "$0")/lib.sh"
make_scratch

data="$SCRATCH/data"
bin="$SCRATCH/bin"
calls="$SCRATCH/systemctl.log"
export TMPDIR="$SCRATCH/tmp"
mkdir -p "$data/config" "$data/data/sub" "$TMPDIR"
echo "key=value" >"$data/config/app.conf"
head -c 20000 /dev/urandom >"$data/data/blob.bin"
echo "nested" >"$data/data/sub/file.txt"
ln -s file.txt "$data/data/sub/link"
install_fake_systemctl "$bin" "$calls"
export PATH="$bin:$PATH"
stop_start=$'stop docker-myapp.service\nstart docker-myapp.service'

# render FORMAT DAYS KEEP DEST... -> writes $SCRATCH/out/myapp-backup.sh
render() {
    local format=$1 days=$2 keep=$3 dests="" d
    shift 3
    for d in "$@"; do dests+=" \"$d\""; done
    local result
    result=$(render_json render-container.nix args "{
      name = \"myapp\";
      serviceName = \"docker-myapp.service\";
      dataPaths = [ \"$data/config\" \"$data/data\" ];
      user = \"nobody\";
      group = \"nogroup\";
      backupConfig = {
        enable = true;
        paths = [ $dests ];
        schedule = \"30 3 * * *\";
        format = \"$format\";
        maxRetentionDays = $days;
        retentionSnapshots = $keep;
      };
    }")
    rm -rf "$SCRATCH/out"
    write_files "$result" .files "$SCRATCH/out"
}
script="$SCRATCH/out/myapp-backup.sh"
archives() { find "$1" -maxdepth 1 -type f -name 'myapp-backup-*' -printf '%f\n' | sort; }
tmp_empty() { tap_eq "$1: temporary directory removed" "" "$(ls -A "$TMPDIR")"; }

# --- every format: distributed, owned, restorable -------------------------------------------
for format in tar.gz tar.xz tar.bz2 zip; do
    dst="$SCRATCH/dst-$format"
    render "$format" 0 0 "$dst/a" "$dst/b/nested"
    : >"$calls"
    "$script" 2>/dev/null
    tap_eq "$format: exit 0" 0 "$?"
    tap_eq "$format: service stopped then started" "$stop_start" "$(cat "$calls")"
    for d in "$dst/a" "$dst/b/nested"; do
        name=$(archives "$d")
        tap_check "$format: one archive named myapp-backup-<UTC stamp>.$format in ${d#"$SCRATCH"/}" \
            bash -c "[[ \$(wc -l <<<'$name') == 1 && '$name' =~ ^myapp-backup-[0-9]{8}-[0-9]{6}\\.${format//./\\.}\$ ]]"
        tap_eq "$format: owned by nobody:nogroup, mode 640" "nobody:nogroup 640" "$(stat -c '%U:%G %a' "$d/$name")"
    done
    tap_eq "$format: no partial file left" "" "$(find "$dst" -name '*.part')"
    tmp_empty "$format"
    restore="$SCRATCH/restore-$format"
    mkdir -p "$restore"
    archive="$dst/a/$(archives "$dst/a")"
    case $format in
    zip) unzip -q "$archive" -d "$restore" ;;
    *) tar -C "$restore" -xf "$archive" ;;
    esac
    tap_check "$format: restored data identical (content, symlink)" diff -r "$data" "$restore/${data#/}"
    case $format in
    tar.gz) tap_check "$format: gzip stream valid" gzip -t "$archive" ;;
    tar.xz) tap_check "$format: xz stream valid" xz -t "$archive" ;;
    tar.bz2) tap_check "$format: bzip2 stream valid" bzip2 -t "$archive" ;;
    zip) tap_check "$format: zip archive valid" unzip -tq "$archive" ;;
    esac
done

# --- retention ---------------------------------------------------------------------------
# seed DIR: five older archives of this container (names 2020-01-0N), one of another container
# and unrelated files, all modified DAYS_OLD days ago.
seed() {
    local dir=$1 days_old=$2 i
    mkdir -p "$dir"
    for i in 1 2 3 4 5; do touch -d "-$days_old days" "$dir/myapp-backup-2020010$i-000000.tar.gz"; done
    touch -d "-$days_old days" "$dir/other-backup-20200101-000000.tar.gz" "$dir/notes.txt" "$dir/myapp-backup-latest.tar.gz"
}
unrelated=$'myapp-backup-latest.tar.gz\nnotes.txt\nother-backup-20200101-000000.tar.gz'
others() { find "$1" -maxdepth 1 -type f -printf '%f\n' | grep -Ev '^myapp-backup-[0-9]{8}-[0-9]{6}\.tar\.gz$' | sort; }
mine() { archives "$1" | grep -E '^myapp-backup-[0-9]{8}-[0-9]{6}\.tar\.gz$'; }

# keep 3, no age limit: the new archive and the two newest old ones.
r="$SCRATCH/ret-count"
seed "$r" 1
render tar.gz 0 3 "$r"
"$script" 2>/dev/null
tap_eq "keep 3: exit 0" 0 "$?"
mine_now=$(mine "$r")
tap_eq "keep 3: three archives left" 3 "$(wc -l <<<"$mine_now")"
tap_check "keep 3: the two newest old ones kept" \
    bash -c "grep -q 20200105 <<<'$mine_now' && grep -q 20200104 <<<'$mine_now' && ! grep -q 20200103 <<<'$mine_now'"
tap_eq "keep 3: other files untouched" "$unrelated" "$(others "$r")"

# age 10 days, keep all: 20-day-old archives go, 5-day-old ones stay.
r="$SCRATCH/ret-age"
seed "$r" 20
for i in 6 7; do touch -d "-5 days" "$r/myapp-backup-2020010$i-000000.tar.gz"; done
render tar.gz 10 0 "$r"
"$script" 2>/dev/null
tap_eq "age 10d: exit 0" 0 "$?"
mine_now=$(mine "$r")
tap_eq "age 10d: new + two recent archives left" 3 "$(wc -l <<<"$mine_now")"
tap_check "age 10d: 20-day-old archives removed" bash -c "! grep -q '2020010[1-5]' <<<'$mine_now'"
tap_eq "age 10d: old unrelated files untouched" "$unrelated" "$(others "$r")"

# age 10 days and keep 2, per destination.
r1="$SCRATCH/ret-both-1" r2="$SCRATCH/ret-both-2"
seed "$r1" 20
for i in 6 7 8; do touch -d "-5 days" "$r1/myapp-backup-2020010$i-000000.tar.gz"; done
mkdir -p "$r2"
touch -d "-1 days" "$r2/myapp-backup-20200101-000000.tar.gz"
render tar.gz 10 2 "$r1" "$r2"
"$script" 2>/dev/null
tap_eq "age+keep: exit 0" 0 "$?"
mine_now=$(mine "$r1")
tap_eq "age+keep: first destination keeps 2 (new + newest recent)" 2 "$(wc -l <<<"$mine_now")"
tap_check "age+keep: first destination kept 20200108" grep -q 20200108 <<<"$mine_now"
tap_eq "age+keep: second destination keeps its own 2" 2 "$(mine "$r2" | wc -l)"

# 0/0: keep everything.
r="$SCRATCH/ret-none"
seed "$r" 400
render tar.gz 0 0 "$r"
"$script" 2>/dev/null
tap_eq "no retention: all six archives kept" 6 "$(mine "$r" | wc -l)"

# --- failures ---------------------------------------------------------------------------
dst="$SCRATCH/dst-fail"
render tar.gz 0 0 "$dst"

# tar fails after the service was stopped: service started again, temp removed, nothing written.
mkdir -p "$SCRATCH/badtar"
printf '#!/bin/sh\necho "tar: simulated failure" >&2\nexit 2\n' >"$SCRATCH/badtar/tar"
chmod +x "$SCRATCH/badtar/tar"
: >"$calls"
PATH="$SCRATCH/badtar:$PATH" "$script" 2>/dev/null
tap_check "tar failure: non-zero exit" test $? -ne 0
tap_eq "tar failure: service started again" "$stop_start" "$(cat "$calls")"
tap_eq "tar failure: nothing written to the destination" "" "$(find "$dst" -type f 2>/dev/null)"
tmp_empty "tar failure"

# systemctl stop fails: start attempted anyway, no archive.
: >"$calls"
FAKE_SYSTEMCTL_FAIL="stop:docker-myapp.service" "$script" 2>/dev/null
tap_check "stop failure: non-zero exit" test $? -ne 0
tap_eq "stop failure: start attempted" "$stop_start" "$(cat "$calls")"
tap_eq "stop failure: nothing written" "" "$(find "$dst" -type f 2>/dev/null)"
tmp_empty "stop failure"

# a missing data path is caught before any downtime.
render tar.gz 0 0 "$dst"
mv "$data/config" "$data/config.away"
: >"$calls"
"$script" 2>/dev/null
tap_check "missing data path: non-zero exit" test $? -ne 0
tap_eq "missing data path: service never stopped" "" "$(cat "$calls")"
mv "$data/config.away" "$data/config"
tmp_empty "missing data path"

# one destination cannot be written (a file is in the way): the other one still gets it.
good="$SCRATCH/dst-good" bad="$SCRATCH/dst-blocked"
echo "in the way" >"$bad"
render tar.gz 0 0 "$bad/sub" "$good"
: >"$calls"
"$script" 2>/dev/null
tap_check "bad destination: non-zero exit" test $? -ne 0
tap_eq "bad destination: other destination written" 1 "$(archives "$good" | wc -l)"
tap_eq "bad destination: service stopped and started once" "$stop_start" "$(cat "$calls")"
tmp_empty "bad destination"

# systemctl start fails: archive still distributed, start retried on exit.
dst="$SCRATCH/dst-startfail"
render tar.gz 0 0 "$dst"
: >"$calls"
FAKE_SYSTEMCTL_FAIL="start:docker-myapp.service" "$script" 2>/dev/null
tap_check "start failure: non-zero exit" test $? -ne 0
tap_eq "start failure: archive distributed" 1 "$(archives "$dst" | wc -l)"
tap_eq "start failure: start retried on exit" \
    $'stop docker-myapp.service\nstart docker-myapp.service\nstart docker-myapp.service' "$(cat "$calls")"

# SIGTERM while archiving: service started again, temp removed.
printf '#!/bin/sh\necho archiving >"%s/archiving"\nsleep 30\n' "$SCRATCH" >"$SCRATCH/badtar/tar"
: >"$calls"
rm -f "$SCRATCH/archiving"
PATH="$SCRATCH/badtar:$PATH" setsid "$script" 2>/dev/null &
pid=$!
for _ in $(seq 600); do [[ -f $SCRATCH/archiving ]] && break; sleep 0.1; done
kill -TERM -- "-$pid"
wait "$pid"
tap_eq "SIGTERM: exit 143" 143 "$?"
tap_eq "SIGTERM: service started again" "$stop_start" "$(cat "$calls")"
tmp_empty "SIGTERM"

tap_done
