#!/usr/bin/env bash
# shellcheck shell=bash
# nixdrill readiness checks of a backup job's services (their contracts' healthCheck), embedded
# by nix/lib/backup.nix after a rendered header; the drill's check-service step runs it after a
# restore, and so can a scheduled restore test.
#
# Header variables (rendered), one element per check: NIXDRILL_HEALTH_SERVICES,
#   NIXDRILL_HEALTH_COMMANDS (run by bash, stdin closed), NIXDRILL_HEALTH_EXPECTS (text stdout
#   must contain; empty: any), NIXDRILL_HEALTH_TIMEOUTS (seconds).
# Usage: health-<job>.sh [--wait]. Each check runs once, or with --wait again every second
#   until it passes or its timeout has passed since its first try. One line per check:
#   "ready SERVICE after N s" or "not ready SERVICE (why) after N s: OUTPUT". Exit 0 when every
#   check passed, 1 when one did not, 2 on bad usage.

# nixdrill_health_one INDEX WAIT
nixdrill_health_one() {
    local service=${NIXDRILL_HEALTH_SERVICES[$1]} command=${NIXDRILL_HEALTH_COMMANDS[$1]}
    local expect=${NIXDRILL_HEALTH_EXPECTS[$1]} limit=${NIXDRILL_HEALTH_TIMEOUTS[$1]} wait=$2
    local start=$SECONDS out rc why
    while :; do
        out=$(timeout --kill-after=5 "$limit" bash -c "$command" 2>&1 </dev/null)
        rc=$?
        if ((rc == 0)) && [[ -z $expect || $out == *"$expect"* ]]; then
            echo "ready $service after $((SECONDS - start)) s"
            return 0
        fi
        if ((rc == 124)); then
            why="the command did not finish within $limit s"
        elif ((rc != 0)); then
            why="exit $rc"
        else
            why="its output lacks '$expect'"
        fi
        if ((!wait || SECONDS - start >= limit)); then
            printf 'not ready %s (%s) after %d s: %s\n' "$service" "$why" "$((SECONDS - start))" "${out:0:400}"
            return 1
        fi
        sleep 1
    done
}

nixdrill_health_main() {
    local wait=0 rc=0 i
    case $# in
    0) ;;
    1) [[ $1 == --wait ]] && wait=1 ;;
    esac
    if (($# > 1)) || { (($# == 1)) && ((!wait)); }; then
        echo "usage: ${0##*/} [--wait]" >&2
        return 2
    fi
    for i in "${!NIXDRILL_HEALTH_SERVICES[@]}"; do
        nixdrill_health_one "$i" "$wait" || rc=1
    done
    return "$rc"
}
