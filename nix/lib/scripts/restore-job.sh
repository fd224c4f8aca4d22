#!/usr/bin/env bash
# shellcheck shell=bash
# nixdrill in-place restore of a backup job whose contract declares postRestore, embedded by
# nix/lib/restore.nix after a rendered header; a person runs it after a loss, and so does the
# drill's in-place restore step.
#
# Header variables (rendered): RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, NIXDRILL_ENVIRONMENT_FILE
#   (sourced when set), NIXDRILL_JOB, NIXDRILL_PATHS (the job's paths), NIXDRILL_UNITS (its
#   systemdUnits), NIXDRILL_POST_RESTORE (the hook, run by bash -euo pipefail).
# Usage: restore-<job>.sh [SNAPSHOT]   (a restic id, or latest: the newest snapshot of the paths)
#   Stops the units, restores SNAPSHOT's files in place (restic restore --verify --target /;
#   files that are not in the snapshot stay where they are), starts the units again, then runs
#   postRestore, which may need them running (a dump is loaded into a live server). Exit 0 when
#   all of it worked, 1 when a step failed (the units are started again either way; postRestore
#   does not run after a failed restore), 2 on bad usage.

nixdrill_restore_log() { printf 'nixdrill-restore[%s]: %s\n' "$NIXDRILL_JOB" "$*" >&2; }

nixdrill_restore_main() {
    if (($# > 1)) || [[ ${1:-} == -* ]]; then
        echo "usage: ${0##*/} [SNAPSHOT]" >&2
        return 2
    fi
    local snapshot=${1:-latest} rc=0 u p
    # restic wants a cache directory; a unit or sudo may give neither HOME nor XDG_CACHE_HOME.
    [[ -n ${RESTIC_CACHE_DIR:-}${XDG_CACHE_HOME:-}${HOME:-} ]] || export RESTIC_CACHE_DIR=/var/cache/restic
    local filter=()
    for p in "${NIXDRILL_PATHS[@]}"; do
        filter+=(--path "$p")
    done
    export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
    if [[ -n $NIXDRILL_ENVIRONMENT_FILE ]]; then
        set -a
        # shellcheck disable=SC1090 # the repository's environment file, rendered
        . "$NIXDRILL_ENVIRONMENT_FILE" || return 1
        set +a
    fi
    for u in "${NIXDRILL_UNITS[@]}"; do
        # Restoring under a running service would hand it half-written files: stop or give up.
        if ! systemctl stop "$u"; then
            nixdrill_restore_log "cannot stop $u: nothing restored"
            return 1
        fi
    done
    nixdrill_restore_log "restoring snapshot $snapshot in place"
    restic restore "$snapshot" "${filter[@]}" --target / --verify >&2 || rc=1
    for u in "${NIXDRILL_UNITS[@]}"; do
        systemctl start "$u" || {
            nixdrill_restore_log "$u does not start"
            rc=1
        }
    done
    if ((rc != 0)); then
        nixdrill_restore_log "the restore failed: postRestore not run"
        return "$rc"
    fi
    nixdrill_restore_log "running postRestore"
    if ! bash -euo pipefail -c "$NIXDRILL_POST_RESTORE" </dev/null >&2; then
        nixdrill_restore_log "postRestore failed"
        return 1
    fi
    nixdrill_restore_log "restored"
}
