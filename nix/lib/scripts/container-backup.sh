#!/usr/bin/env bash
# shellcheck shell=bash
# nixdrill container backup template (nix/lib/container.nix renders the header before it).
#
# Stops the service, archives the data paths into a private temporary directory, starts the
# service again as soon as the archive is complete (downtime = archiving only), copies the
# archive to every destination (owned by user:group, written under a temporary name then
# renamed), applies retention per destination, removes the temporary directory. The EXIT
# trap starts the service again and removes the temporary directory whatever failed, also
# on SIGTERM/SIGINT/SIGHUP. A failing destination does not stop the others; the exit status
# is non-zero when anything failed.
#
# Header variables (rendered): NIXDRILL_NAME, NIXDRILL_SERVICE, NIXDRILL_DATA_PATHS,
#   NIXDRILL_DESTINATIONS, NIXDRILL_FORMAT (tar.gz|tar.xz|tar.bz2|zip), NIXDRILL_OWNER
#   (user:group), NIXDRILL_FILE_MODE, NIXDRILL_MAX_RETENTION_DAYS (0 = no age limit),
#   NIXDRILL_RETENTION_SNAPSHOTS (0 = keep all).
# Archives are named <name>-backup-<UTC YYYYmmdd-HHMMSS>.<format>; retention only ever
# touches files matching that pattern.

nixdrill_log() { printf 'container-backup[%s]: %s\n' "$NIXDRILL_NAME" "$*" >&2; }

nixdrill_workdir=""
nixdrill_service_stopped=0

# shellcheck disable=SC2317 # only reached through the EXIT trap
nixdrill_finish() {
    local rc=$?
    if ((nixdrill_service_stopped)); then
        if systemctl start "$NIXDRILL_SERVICE"; then
            nixdrill_service_stopped=0
        else
            nixdrill_log "starting $NIXDRILL_SERVICE again failed"
            ((rc == 0)) && rc=1
        fi
    fi
    if [[ -n $nixdrill_workdir ]]; then rm -rf -- "$nixdrill_workdir"; fi
    exit "$rc"
}
trap nixdrill_finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# OUT: archive of the data paths, stored relative to / so a restore can choose its root.
nixdrill_archive() {
    local out=$1 p rel=()
    for p in "${NIXDRILL_DATA_PATHS[@]}"; do rel+=("${p#/}"); done
    case $NIXDRILL_FORMAT in
    tar.gz) tar -C / -czf "$out" -- "${rel[@]}" ;;
    tar.xz) tar -C / -cJf "$out" -- "${rel[@]}" ;;
    tar.bz2) tar -C / -cjf "$out" -- "${rel[@]}" ;;
    zip) (cd / && zip -q -r -y "$out" -- "${rel[@]}") ;;
    *)
        nixdrill_log "unknown format $NIXDRILL_FORMAT"
        return 1
        ;;
    esac
}

# DEST: delete archives of this container older than the age limit, then all but the newest
# N (by the timestamp in their names, which sorts chronologically).
nixdrill_retention() {
    local dest=$1 f rc=0 files=()
    local re="^${NIXDRILL_NAME//./\\.}-backup-[0-9]{8}-[0-9]{6}\\.(tar\\.gz|tar\\.xz|tar\\.bz2|zip)\$"
    if ((NIXDRILL_MAX_RETENTION_DAYS > 0)); then
        while IFS= read -r -d '' f; do
            if [[ ${f##*/} =~ $re ]]; then rm -f -- "$f" || rc=1; fi
        done < <(find "$dest" -maxdepth 1 -type f -mmin +$((NIXDRILL_MAX_RETENTION_DAYS * 1440)) -print0)
    fi
    if ((NIXDRILL_RETENTION_SNAPSHOTS > 0)); then
        while IFS= read -r -d '' f; do
            if [[ $f =~ $re ]]; then files+=("$f"); fi
        done < <(find "$dest" -maxdepth 1 -type f -printf '%f\0')
        if ((${#files[@]} > NIXDRILL_RETENTION_SNAPSHOTS)); then
            mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -r)
            for f in "${files[@]:NIXDRILL_RETENTION_SNAPSHOTS}"; do rm -f -- "$dest/$f" || rc=1; done
        fi
    fi
    return "$rc"
}

nixdrill_main() {
    local p dest file failed=0
    # Checked before stopping anything: a typo must not cost downtime.
    for p in "${NIXDRILL_DATA_PATHS[@]}"; do
        if [[ ! -e $p ]]; then
            nixdrill_log "data path $p does not exist"
            return 1
        fi
    done
    file="$NIXDRILL_NAME-backup-$(date -u +%Y%m%d-%H%M%S).$NIXDRILL_FORMAT"
    nixdrill_workdir=$(mktemp -d "${TMPDIR:-/tmp}/container-backup-$NIXDRILL_NAME.XXXXXX") || return 1

    # Marked first: if the stop half-worked, the trap must still start the service.
    nixdrill_service_stopped=1
    if ! systemctl stop "$NIXDRILL_SERVICE"; then
        nixdrill_log "stopping $NIXDRILL_SERVICE failed"
        return 1
    fi
    if ! nixdrill_archive "$nixdrill_workdir/$file"; then
        nixdrill_log "creating $file failed"
        return 1
    fi
    if systemctl start "$NIXDRILL_SERVICE"; then
        nixdrill_service_stopped=0
    else
        nixdrill_log "starting $NIXDRILL_SERVICE again failed (retried on exit)"
        failed=1
    fi

    for dest in "${NIXDRILL_DESTINATIONS[@]}"; do
        if mkdir -p -- "$dest" &&
            cp -- "$nixdrill_workdir/$file" "$dest/.$file.part" &&
            chown -- "$NIXDRILL_OWNER" "$dest/.$file.part" &&
            chmod -- "$NIXDRILL_FILE_MODE" "$dest/.$file.part" &&
            mv -f -- "$dest/.$file.part" "$dest/$file"; then
            nixdrill_log "wrote $dest/$file"
            nixdrill_retention "$dest" || {
                nixdrill_log "retention in $dest failed"
                failed=1
            }
        else
            nixdrill_log "copying to $dest failed"
            rm -f -- "$dest/.$file.part"
            failed=1
        fi
    done
    return "$failed"
}
