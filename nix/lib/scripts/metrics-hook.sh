#!/usr/bin/env bash
# shellcheck shell=bash
# nixdrill metrics hook template (embedded by nix/lib/backup.nix after a rendered header).
#
# Writes <metrics dir>/restic-<job>.prom for node_exporter's textfile collector, atomically
# (temporary file in the same directory, then rename), so the collector never reads half a
# file. Runs as the job's ExecStopPost=, or from `run-<job>.sh run` when there is no systemd.
#
# Header variables (rendered): NIXDRILL_JOB, NIXDRILL_REPOSITORY_NAME,
#   NIXDRILL_REPOSITORY_URL (credentials already stripped), NIXDRILL_HOSTNAME (empty: uname -n
#   at run time), NIXDRILL_METRICS_DIR, NIXDRILL_RUNTIME_DIR (default when systemd's
#   $RUNTIME_DIRECTORY is unset; the prepare step wrote "start" there).
# Arguments: [STATUS [RESULT]]; default to systemd's $EXIT_STATUS and $SERVICE_RESULT. STATUS
#   is the exit status of the backup step ("" when it never ran, a signal name when killed);
#   RESULT uses systemd's vocabulary (success, exit-code, signal, timeout, oom-kill, ...).

# Every category a failed run can be counted in; the counter file lists all of them so each
# series exists from the first run on (increase() needs a starting point).
NIXDRILL_ERROR_CATEGORIES=(fatal incomplete repository_missing locked wrong_password interrupted
    killed timeout oom prepare_failed storage unknown)

# STATUS RESULT [STDERR_FILE] -> category. restic's documented exit codes: 0 ok, 1 fatal,
# 3 snapshot incomplete (some files unreadable), 10 repository missing, 11 repository locked,
# 12 wrong password (10-12 exist since restic 0.17; 0.14 reports all three as 1), 130
# interrupted; 128+N (other than 130) is restic killed by signal N. A fatal run whose restic
# error output says the disk is full (ENOSPC, EDQUOT) is storage: it needs space, not a fix.
nixdrill_classify() {
    local status=$1 result=$2 stderr_file=${3:-}
    case $result in
    signal | core-dump | watchdog)
        echo killed
        return
        ;;
    timeout)
        echo timeout
        return
        ;;
    oom-kill)
        echo oom
        return
        ;;
    esac
    case $status in
    0) echo ok ;;
    1)
        if [[ -n $stderr_file && -r $stderr_file ]] &&
            grep -qiE 'no space left on device|disk quota exceeded' "$stderr_file"; then
            echo storage
        else
            echo fatal
        fi
        ;;
    3) echo incomplete ;;
    10) echo repository_missing ;;
    11) echo locked ;;
    12) echo wrong_password ;;
    130) echo interrupted ;;
    129 | 1[3-9][0-9] | 2[0-5][0-9]) echo killed ;;
    "")
        # No main process status: the prepare step (ExecStartPre) failed before it.
        if [[ $result == exit-code ]]; then echo prepare_failed; else echo unknown; fi
        ;;
    *[!0-9]*) echo killed ;; # systemd gives the signal name (TERM, KILL, ...)
    *) echo unknown ;;
    esac
}

# Prometheus label value escaping: backslash, double quote, newline.
nixdrill_label() {
    local v=$1
    v=${v//\\/\\\\}
    v=${v//\"/\\\"}
    v=${v//$'\n'/\\n}
    printf '%s' "$v"
}

nixdrill_metrics() {
    local status=${1-${EXIT_STATUS:-}} result=${2-${SERVICE_RESULT:-}}
    local dir=$NIXDRILL_METRICS_DIR
    local file="$dir/restic-$NIXDRILL_JOB.prom"
    local runtime_dir=${RUNTIME_DIRECTORY:-$NIXDRILL_RUNTIME_DIR}
    local now start="" duration=0 category ok=0 last_success=0 exit_code=-1 host tmp line
    now=$(date +%s)
    [[ -z $result ]] && [[ $status == 0 ]] && result=success

    if [[ -r $runtime_dir/start ]]; then start=$(<"$runtime_dir/start"); fi
    if [[ $start =~ ^[0-9]+$ ]] && ((start <= now)); then duration=$((now - start)); fi
    category=$(nixdrill_classify "$status" "$result" "$runtime_dir/restic.stderr")
    [[ $category == ok ]] && ok=1
    [[ $status =~ ^[0-9]+$ ]] && exit_code=$status

    # Counters and the last success survive failed runs: read them back from the old file.
    local -A errors=()
    local c
    for c in "${NIXDRILL_ERROR_CATEGORIES[@]}"; do errors[$c]=0; done
    local re_success='^restic_backup_last_success_timestamp\{.*\} ([0-9]+)$'
    local re_error='^restic_backup_errors_total\{.*category="([a-z_]+)"\} ([0-9]+)$'
    if [[ -r $file ]]; then
        while IFS= read -r line; do
            if [[ $line =~ $re_success ]]; then
                last_success=${BASH_REMATCH[1]}
            elif [[ $line =~ $re_error ]] && [[ -n ${errors[${BASH_REMATCH[1]}]+set} ]]; then
                errors[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
            fi
        done <"$file"
    fi
    if ((ok)); then
        last_success=$now
    else
        errors[$category]=$((errors[$category] + 1))
    fi

    host=${NIXDRILL_HOSTNAME:-$(uname -n)}
    local labels
    labels="backup_job=\"$(nixdrill_label "$NIXDRILL_JOB")\",repository=\"$(nixdrill_label "$NIXDRILL_REPOSITORY_NAME")\",hostname=\"$(nixdrill_label "$host")\""

    mkdir -p "$dir" || return 1
    tmp=$(mktemp "$dir/.restic-$NIXDRILL_JOB.prom.XXXXXX") || return 1
    if ! nixdrill_metrics_text "$labels" "$ok" "$duration" "$last_success" "$now" "$exit_code" "$category" >"$tmp" ||
        ! chmod 0644 "$tmp" || ! mv -f "$tmp" "$file"; then
        rm -f "$tmp"
        return 1
    fi
}

# LABELS OK DURATION LAST_SUCCESS NOW EXIT_CODE CATEGORY (+ the caller's `errors` array).
nixdrill_metrics_text() {
    local labels=$1 c
    echo "# HELP restic_backup_status Whether the last run of the backup job succeeded (1) or failed (0)."
    echo "# TYPE restic_backup_status gauge"
    echo "restic_backup_status{$labels} $2"
    echo "# HELP restic_backup_duration_seconds Duration of the last run, from the prepare step to the metrics hook."
    echo "# TYPE restic_backup_duration_seconds gauge"
    echo "restic_backup_duration_seconds{$labels} $3"
    echo "# HELP restic_backup_last_success_timestamp Unix time of the last successful run (0: none recorded yet)."
    echo "# TYPE restic_backup_last_success_timestamp gauge"
    echo "restic_backup_last_success_timestamp{$labels} $4"
    echo "# HELP restic_backup_last_run_timestamp Unix time the last run ended."
    echo "# TYPE restic_backup_last_run_timestamp gauge"
    echo "restic_backup_last_run_timestamp{$labels} $5"
    echo "# HELP restic_backup_exit_code Exit status of the last run's backup step (-1: it did not exit by itself)."
    echo "# TYPE restic_backup_exit_code gauge"
    echo "restic_backup_exit_code{$labels} $6"
    echo "# HELP restic_backup_last_run_info Outcome category of the last run and the repository URL (without credentials)."
    echo "# TYPE restic_backup_last_run_info gauge"
    echo "restic_backup_last_run_info{$labels,category=\"$7\",url=\"$(nixdrill_label "$NIXDRILL_REPOSITORY_URL")\"} 1"
    echo "# HELP restic_backup_errors_total Failed runs of the backup job by category, kept across runs."
    echo "# TYPE restic_backup_errors_total counter"
    for c in "${NIXDRILL_ERROR_CATEGORIES[@]}"; do
        echo "restic_backup_errors_total{$labels,category=\"$c\"} ${errors[$c]}"
    done
}
