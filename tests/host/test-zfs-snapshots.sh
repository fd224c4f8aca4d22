#!/usr/bin/env bash
# Host test of a snapshot job's rendered run-<job>.sh (backup.useSnapshots) against a real
# local restic repository and a fake `zfs` whose snapshots are copies under
# <mountpoint>/.zfs/snapshot/<name> (what ZFS shows there). Proves: restic reads the snapshot,
# not the live files changed after it; the units are down only until the snapshot is taken;
# stale snapshots of the job are destroyed first and others kept; the snapshot is destroyed
# after success, after a failed restic and after a failed prepare; a path outside the dataset
# and a failing `zfs snapshot` fail the run with the units started again.
source "$(dirname "$0")/lib.sh"
make_scratch

mp="$SCRATCH/tank/photos"
repo="$SCRATCH/repo"
bin="$SCRATCH/bin"
calls="$SCRATCH/systemctl.log"
export ZFS_LOG="$SCRATCH/zfs.log" FAKE_ZFS_DATASET=tank/photos FAKE_ZFS_MOUNTPOINT="$mp"
mkdir -p "$mp/library" "$SCRATCH/run"
echo v1 >"$mp/library/album.txt"
printf 'correct horse\n' >"$SCRATCH/password"
install_fake_systemctl "$bin" "$calls"
# The fake zfs: get mountpoint, list snapshots, snapshot (a copy), destroy. After a snapshot,
# $FAKE_ZFS_AFTER_SNAPSHOT runs (a writer changing the live files); FAKE_ZFS_FAIL_SNAPSHOT=1
# makes `zfs snapshot` fail.
cat >"$bin/zfs" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$ZFS_LOG"
snapdir=$FAKE_ZFS_MOUNTPOINT/.zfs/snapshot
case $1 in
get) [[ ${*: -1} == "$FAKE_ZFS_DATASET" ]] || exit 1; echo "$FAKE_ZFS_MOUNTPOINT" ;;
list)
    target=${*: -1}
    if [[ $target == *@* ]]; then [[ -d $snapdir/${target#*@} ]]; exit; fi
    [[ $target == "$FAKE_ZFS_DATASET" ]] || exit 1
    for s in "$snapdir"/*; do [[ -d $s ]] && echo "$FAKE_ZFS_DATASET@${s##*/}"; done
    exit 0
    ;;
snapshot)
    [[ -z ${FAKE_ZFS_FAIL_SNAPSHOT:-} ]] || { echo "fake zfs: out of space" >&2; exit 1; }
    name=${2#*@}
    [[ ! -e $snapdir/$name ]] || { echo "fake zfs: dataset already exists" >&2; exit 1; }
    mkdir -p "$snapdir/$name"
    tar -C "$FAKE_ZFS_MOUNTPOINT" --exclude=./.zfs -cf - . | tar -C "$snapdir/$name" -xf -
    if [[ -n ${FAKE_ZFS_AFTER_SNAPSHOT:-} ]]; then bash -c "$FAKE_ZFS_AFTER_SNAPSHOT"; fi
    ;;
destroy) [[ -d $snapdir/${2#*@} ]] || exit 1; rm -rf "${snapdir:?}/${2#*@}" ;;
*) exit 2 ;;
esac
EOF
chmod +x "$bin/zfs"
export PATH="$bin:$PATH"
export RESTIC_PASSWORD_FILE="$SCRATCH/password" RESTIC_REPOSITORY="$repo" RESTIC_CACHE_DIR="$SCRATCH/cache"

render() {
    render_json render-backup.nix args "{
      services.photos = {
        enable = true;
        backupPaths = [ $1 ];
        systemdUnits = [ \"photos.service\" ];
        backup = { useSnapshots = true; zfsDataset = \"tank/photos\"; };
      };
      config = {
        enable = true;
        restic.repositories.local = { url = \"$repo\"; passwordFile = \"$SCRATCH/password\"; primary = true; };
        restic.globalSettings.retention = { daily = 0; weekly = 0; monthly = 0; yearly = 0; };
      };
    }"
}
write_files "$(render "\"$mp/library\"")" .files "$SCRATCH/out"
run="$SCRATCH/out/run-service-photos.sh"
export RUNTIME_DIRECTORY="$SCRATCH/run"
snapshots_left() { find "$mp/.zfs/snapshot" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' '; }
reset() { : >"$calls"; : >"$ZFS_LOG"; }

# --- 1. success: restic reads the snapshot, the writer's later change is not in it ----------
reset
FAKE_ZFS_AFTER_SNAPSHOT="echo v2 >'$mp/library/album.txt'" "$run" run >"$SCRATCH/log" 2>&1
tap_eq "snapshot job succeeds" 0 $?
name=$(grep -o 'nixdrill-service-photos-[0-9TZ]*' "$SCRATCH/log" | head -n1)
tap_check "snapshot named nixdrill-<job>-<time>" test -n "$name"
path=$(restic snapshots --json latest | jq -r '.[0].paths[0]')
tap_eq "restic backed up the snapshot's path" "$mp/.zfs/snapshot/$name/library" "$path"
tap_eq "the snapshot holds the data at snapshot time" v1 "$(restic dump latest "$path/album.txt" 2>/dev/null)"
tap_eq "the live file changed after the snapshot" v2 "$(cat "$mp/library/album.txt")"
tap_eq "units: stopped, started after the snapshot, started by the cleanup" \
    "$(printf 'stop photos.service\nstart photos.service\nstart photos.service')" "$(cat "$calls")"
# The early start comes before restic reads: "took snapshot" precedes "restic backup starting".
tap_check "units started before restic began" bash -c \
    "grep -n 'took snapshot\|restic backup starting' '$SCRATCH/log' | head -n1 | grep -q 'took snapshot'"
tap_eq "snapshot destroyed after success" "" "$(snapshots_left)"
tap_check "zfs destroy was called for it" grep -qx "destroy tank/photos@$name" "$ZFS_LOG"

# --- 2. stale snapshots of this job are destroyed first, other snapshots kept ----------------
reset
mkdir -p "$mp/.zfs/snapshot/nixdrill-service-photos-20200101T000000Z" "$mp/.zfs/snapshot/manual-keep"
"$run" run >"$SCRATCH/log" 2>&1
tap_eq "run with a stale snapshot succeeds" 0 $?
tap_check "the stale snapshot was destroyed" grep -qx 'destroy tank/photos@nixdrill-service-photos-20200101T000000Z' "$ZFS_LOG"
tap_eq "only the unrelated snapshot is left" "manual-keep " "$(snapshots_left)"
rm -rf "$mp/.zfs/snapshot/manual-keep"

# --- 3. restic fails: the snapshot is destroyed anyway, units started ------------------------
reset
cp "$SCRATCH/password" "$SCRATCH/password.good"
printf 'wrong\n' >"$SCRATCH/password"
"$run" run >"$SCRATCH/log" 2>&1
rc=$?
cp "$SCRATCH/password.good" "$SCRATCH/password"
tap_check "failing restic fails the run (status $rc)" test "$rc" -ne 0
tap_eq "snapshot destroyed after a failed restic" "" "$(snapshots_left)"
tap_eq "units started again after a failed restic" "start photos.service" "$(tail -n1 "$calls")"

# --- 4. zfs snapshot fails: prepare fails, nothing to destroy, units started -----------------
reset
FAKE_ZFS_FAIL_SNAPSHOT=1 "$run" run >"$SCRATCH/log" 2>&1
tap_check "failing zfs snapshot fails the run" test $? -ne 0
tap_check "no destroy of a snapshot that was never taken" bash -c "! grep -q '^destroy' '$ZFS_LOG'"
tap_eq "units started again after a failed snapshot" "stop photos.service
start photos.service" "$(cat "$calls")"
tap_eq "no snapshot left" "" "$(snapshots_left)"
tap_check "no snapshot record left" test ! -e "$SCRATCH/run/zfs-snapshot"

# --- 5. a path outside the dataset: refused before any snapshot -------------------------------
write_files "$(render "\"$SCRATCH/elsewhere\"")" .files "$SCRATCH/out2"
reset
"$SCRATCH/out2/run-service-photos.sh" run >"$SCRATCH/log" 2>&1
tap_check "a path outside the dataset fails the run" test $? -ne 0
tap_check "it names the path and the dataset" grep -q "$SCRATCH/elsewhere is not inside tank/photos" "$SCRATCH/log"
tap_check "no snapshot taken" bash -c "! grep -q '^snapshot' '$ZFS_LOG'"
tap_eq "units started again" "start photos.service" "$(tail -n1 "$calls")"

tap_done
