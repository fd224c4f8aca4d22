#!/usr/bin/env bash
# Host test of the rendered metrics hook (ExecStopPost= script of a restic job): rendered from
# nix/lib/backup.nix, run with systemd's environment variables against a temporary metrics
# directory; every .prom file it writes must pass `promtool check metrics`.
source "$(dirname "$0")/lib.sh"
make_scratch

metrics="$SCRATCH/metrics"
rt="$SCRATCH/run"
mkdir -p "$rt"

render_hook() { # HOSTNAME_NIX OUT
    render_json render-backup.nix args "{
        services.db = { enable = true; dataDir = \"/var/lib/db\"; backupPaths = [ \"/var/lib/db-dumps\" ]; };
        config = {
          enable = true;
          restic.repositories.offsite = {
            url = \"rest:https://backup:s3cr3t@backup.example:8000/forge\";
            passwordFile = \"/run/keys/restic\";
            primary = true;
          };
          monitoring.prometheus = { enable = true; metricsDir = \"$metrics\"; };
        };
        hostName = $1;
      }" | jq -r '.jobs["service-db"].metricsHook' >"$2"
}
hook="$SCRATCH/hook.sh"
render_hook '"forge"' "$hook"
prom="$metrics/restic-service-db.prom"

run_hook() { # EXIT_STATUS SERVICE_RESULT [ARGS...] (empty values mean unset)
    local status=$1 result=$2
    shift 2
    env ${status:+EXIT_STATUS=$status} ${result:+SERVICE_RESULT=$result} RUNTIME_DIRECTORY="$rt" bash "$hook" "$@"
}

promtool_ok() { # DESCRIPTION
    tap_check "$1: promtool check metrics" sh -c "promtool check metrics <'$prom'"
}

# --- success -----------------------------------------------------------------------------
echo $(($(date +%s) - 5)) >"$rt/start"
before=$(date +%s)
run_hook 0 success
rc=$?
after=$(date +%s)
tap_eq "success: hook exits 0" 0 "$rc"
tap_check "success: metrics file written" test -f "$prom"
promtool_ok "success"
tap_eq "success: restic_backup_status 1" 1 "$(prom_value "$prom" restic_backup_status)"
last=$(prom_value "$prom" restic_backup_last_success_timestamp)
tap_check "success: last success timestamp is now ($last)" test "$last" -ge "$before" -a "$last" -le "$after"
duration=$(prom_value "$prom" restic_backup_duration_seconds)
tap_check "success: duration from the start stamp ($duration s)" test "$duration" -ge 5 -a "$duration" -le 30
tap_eq "success: exit code 0" 0 "$(prom_value "$prom" restic_backup_exit_code)"
tap_eq "success: category ok" 1 "$(prom_value "$prom" restic_backup_last_run_info 'category="ok"')"
tap_eq "success: no error counted" 0 "$(grep '^restic_backup_errors_total{' "$prom" | awk '{s += $2} END {print s}')"
tap_check "success: labels backup_job, repository, hostname" \
    grep -qF 'restic_backup_status{backup_job="service-db",repository="offsite",hostname="forge"} 1' "$prom"
tap_check "success: credentials stripped from the url label" \
    grep -qF 'url="rest:https://backup.example:8000/forge"' "$prom"
tap_check "success: no credential anywhere in the file" bash -c "! grep -q 's3cr3t' '$prom' && ! grep -q 'backup:' '$prom'"
tap_eq "success: file mode 0644" 644 "$(stat -c %a "$prom")"
tap_eq "success: no temporary file left" "restic-service-db.prom" "$(ls -A "$metrics")"

# --- failure keeps the previous last success ------------------------------------------------
sleep 1
run_hook 1 exit-code
tap_eq "failure: hook exits 0 (the hook itself worked)" 0 "$?"
promtool_ok "failure"
tap_eq "failure: restic_backup_status 0" 0 "$(prom_value "$prom" restic_backup_status)"
tap_eq "failure: previous last success kept" "$last" "$(prom_value "$prom" restic_backup_last_success_timestamp)"
tap_eq "failure: exit code 1" 1 "$(prom_value "$prom" restic_backup_exit_code)"
tap_eq "failure: category fatal" 1 "$(prom_value "$prom" restic_backup_last_run_info 'category="fatal"')"
tap_eq "failure: fatal counted once" 1 "$(prom_value "$prom" restic_backup_errors_total 'category="fatal"')"

run_hook 12 exit-code
promtool_ok "second failure"
tap_eq "second failure: last success still kept" "$last" "$(prom_value "$prom" restic_backup_last_success_timestamp)"
tap_eq "second failure: fatal counter kept" 1 "$(prom_value "$prom" restic_backup_errors_total 'category="fatal"')"
tap_eq "second failure: wrong_password counted" 1 "$(prom_value "$prom" restic_backup_errors_total 'category="wrong_password"')"

run_hook 1 exit-code
tap_eq "third failure: fatal counter incremented to 2" 2 "$(prom_value "$prom" restic_backup_errors_total 'category="fatal"')"

run_hook 0 success
tap_eq "success again: counters survive a success" 2 "$(prom_value "$prom" restic_backup_errors_total 'category="fatal"')"
tap_check "success again: last success moved forward" \
    test "$(prom_value "$prom" restic_backup_last_success_timestamp)" -gt "$last"

# --- exit-code categories ------------------------------------------------------------------
while read -r status result category code; do
    [[ $status == - ]] && status=""
    rm -f "$prom"
    run_hook "$status" "$result"
    tap_eq "status '${status}' result $result -> category $category" 1 \
        "$(prom_value "$prom" restic_backup_last_run_info "category=\"$category\"")"
    tap_eq "status '${status}' result $result -> exit code metric $code" "$code" "$(prom_value "$prom" restic_backup_exit_code)"
    if [[ $category != ok ]]; then
        tap_eq "status '${status}' result $result -> counted under $category" 1 \
            "$(prom_value "$prom" restic_backup_errors_total "category=\"$category\"")"
        tap_eq "status '${status}' result $result -> no previous success: 0" 0 \
            "$(prom_value "$prom" restic_backup_last_success_timestamp)"
    fi
    promtool_ok "category $category"
done <<'EOF'
0 success ok 0
1 exit-code fatal 1
3 exit-code incomplete 3
10 exit-code repository_missing 10
11 exit-code locked 11
12 exit-code wrong_password 12
130 exit-code interrupted 130
137 exit-code killed 137
42 exit-code unknown 42
- exit-code prepare_failed -1
TERM signal killed -1
KILL signal killed -1
- timeout timeout -1
9 oom-kill oom 9
EOF

# --- arguments win over the environment (run-<job>.sh passes them) ---------------------------
rm -f "$prom"
run_hook 1 exit-code 0 success
tap_eq "arguments override EXIT_STATUS/SERVICE_RESULT" 1 "$(prom_value "$prom" restic_backup_status)"

# --- a missing start stamp gives duration 0, not garbage -----------------------------------
rm -f "$rt/start"
run_hook 0 success
tap_eq "no start stamp: duration 0" 0 "$(prom_value "$prom" restic_backup_duration_seconds)"

# --- a corrupt previous file is ignored, not propagated ------------------------------------
printf 'restic_backup_last_success_timestamp{x="y"} notanumber\ngarbage line\n' >"$prom"
run_hook 1 exit-code
promtool_ok "after a corrupt previous file"
tap_eq "corrupt previous file: last success 0" 0 "$(prom_value "$prom" restic_backup_last_success_timestamp)"

# --- hostname: from uname -n when not rendered; escaped when odd ----------------------------
render_hook null "$hook"
rm -f "$prom"
run_hook 0 success
tap_check "hostname null: uname -n used" grep -qF "hostname=\"$(uname -n)\"" "$prom"
render_hook '"we\"ird\\host"' "$hook"
run_hook 0 success
promtool_ok "odd hostname"
tap_check "odd hostname escaped" grep -qF 'hostname="we\"ird\\host"' "$prom"

tap_done
