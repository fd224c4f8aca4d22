#!/usr/bin/env bash
# shellcheck shell=bash
# nixdrill restic job template: the body of run-<job>.sh (nix/lib/backup.nix renders the header,
# nixdrill_prepare / nixdrill_cleanup from the job spec, and appends metrics-hook.sh).
#
# Usage: run-<job>.sh [run|prepare|backup|cleanup|metrics [STATUS [RESULT]]]
#   run      everything, for hosts without the systemd units: prepare, backup, metrics, cleanup;
#            cleanup (postBackup, start the units) runs whatever failed before, also on
#            SIGTERM/SIGINT/SIGHUP. Exits with the first failure's status.
#   prepare  ExecStartPre=: start stamp, stop units, preBackup.
#   backup   ExecStart=: init the repository when missing, restic backup, restic forget --prune.
#   cleanup  ExecStopPost=: postBackup, start units in reverse order.
#   metrics  ExecStopPost=: write the .prom file (STATUS/RESULT default to systemd's env).
#
# Header variables (rendered): NIXDRILL_JOB, RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE,
#   NIXDRILL_ENVIRONMENT_FILE, NIXDRILL_PATHS, NIXDRILL_EXCLUDES, NIXDRILL_BACKUP_ARGS,
#   NIXDRILL_PRUNE_ARGS, NIXDRILL_INITIALIZE, NIXDRILL_METRICS, NIXDRILL_PATHS_FROM_RUNTIME_DIR
#   (1: read the paths from <runtime dir>/paths, written by a snapshot job's prepare), and the
#   metrics hook's.

nixdrill_log() { printf 'nixdrill[%s]: %s\n' "$NIXDRILL_JOB" "$*" >&2; }

# The repository's environment file (cloud credentials): sourced here in every mode, so the
# script behaves the same with or without systemd. Never traced: it holds credentials.
nixdrill_load_environment() {
    [[ -z $NIXDRILL_ENVIRONMENT_FILE ]] && return 0
    set -a
    # shellcheck disable=SC1090
    . "$NIXDRILL_ENVIRONMENT_FILE" || {
        set +a
        nixdrill_log "cannot read the repository's environment file"
        return 1
    }
    set +a
}

# restic, with its error output also kept in the runtime directory: restic exits 1 for most
# failures, and the metrics hook tells a full disk (category storage) apart by the message.
nixdrill_restic() {
    # stderr through tee (a pipeline: the tee has finished when this returns), stdout via fd 3.
    {
        restic "$@" 2>&1 1>&3 3>&- | tee -a "${RUNTIME_DIRECTORY:-$NIXDRILL_RUNTIME_DIR}/restic.stderr" >&2 3>&-
        return "${PIPESTATUS[0]}"
    } 3>&1
}

# Exits with the status of the first restic command that failed, so the metrics hook can
# classify it.
nixdrill_backup() (
    mkdir -p "${RUNTIME_DIRECTORY:-$NIXDRILL_RUNTIME_DIR}" && : >"${RUNTIME_DIRECTORY:-$NIXDRILL_RUNTIME_DIR}/restic.stderr"
    nixdrill_load_environment || exit 1
    if ((NIXDRILL_INITIALIZE)); then
        restic cat config >/dev/null 2>&1
        rc=$?
        if ((rc != 0)); then
            # 11 locked / 12 wrong password (restic >= 0.17): an init would only hide the cause.
            case $rc in 11 | 12) exit "$rc" ;; esac
            nixdrill_log "restic cat config failed (status $rc): running restic init"
            nixdrill_restic init || exit $?
        fi
    fi
    # A run killed with SIGKILL or by a power cut leaves its lock behind, and the exclusive
    # lock of forget --prune would then fail every later run. unlock removes only stale locks
    # (this host's dead processes, other hosts' locks older than 30 minutes), never a live one.
    nixdrill_restic unlock || exit $?
    excludes=()
    for pattern in "${NIXDRILL_EXCLUDES[@]}"; do excludes+=(--exclude "$pattern"); done
    # These two lines mark when restic reads the data (nixdrill's drills check that the
    # services were stopped for exactly this window).
    paths=("${NIXDRILL_PATHS[@]}")
    if ((NIXDRILL_PATHS_FROM_RUNTIME_DIR)); then
        # A snapshot job: prepare mapped the paths into the snapshot it took.
        mapfile -t paths <"${RUNTIME_DIRECTORY:-$NIXDRILL_RUNTIME_DIR}/paths" || exit 1
        ((${#paths[@]} > 0)) || {
            nixdrill_log "prepare left no snapshot paths to back up"
            exit 1
        }
    fi
    nixdrill_log "restic backup starting (${#paths[@]} path(s))"
    nixdrill_restic backup "${NIXDRILL_BACKUP_ARGS[@]}" "${excludes[@]}" -- "${paths[@]}"
    rc=$?
    nixdrill_log "restic backup finished (status $rc)"
    ((rc == 0)) || exit "$rc"
    if ((${#NIXDRILL_PRUNE_ARGS[@]} > 0)); then
        nixdrill_restic forget --prune "${NIXDRILL_PRUNE_ARGS[@]}" || exit $?
    fi
)

nixdrill_finish() {
    local status=$1 result=$2
    if ((NIXDRILL_METRICS)); then
        nixdrill_metrics "$status" "$result" || nixdrill_log "writing the metrics file failed"
    fi
    nixdrill_cleanup
}

nixdrill_on_signal() {
    trap - TERM INT HUP
    nixdrill_log "interrupted by SIG$1: cleaning up"
    nixdrill_finish "$1" signal
    exit "$2"
}

nixdrill_run() {
    local status="" result=success prepare_rc cleanup_rc
    trap 'nixdrill_on_signal TERM 143' TERM
    trap 'nixdrill_on_signal INT 130' INT
    trap 'nixdrill_on_signal HUP 129' HUP
    nixdrill_prepare
    prepare_rc=$?
    if ((prepare_rc == 0)); then
        nixdrill_backup
        status=$?
        ((status == 0)) || result=exit-code
    else
        result=exit-code
        nixdrill_log "prepare failed (status $prepare_rc): no backup this time"
    fi
    trap - TERM INT HUP
    nixdrill_finish "$status" "$result"
    cleanup_rc=$?
    if [[ -n $status ]] && ((status != 0)); then return "$status"; fi
    ((prepare_rc != 0)) && return "$prepare_rc"
    return "$cleanup_rc"
}

nixdrill_main() {
    case ${1:-run} in
    run) nixdrill_run ;;
    prepare) nixdrill_prepare ;;
    backup) nixdrill_backup ;;
    cleanup) nixdrill_cleanup ;;
    metrics)
        shift
        if ((NIXDRILL_METRICS)); then nixdrill_metrics "$@"; else nixdrill_log "metrics are disabled for this job"; fi
        ;;
    *)
        echo "usage: ${0##*/} [run|prepare|backup|cleanup|metrics [STATUS [RESULT]]]" >&2
        return 64
        ;;
    esac
}
