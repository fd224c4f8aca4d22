#!/usr/bin/env bash
# The container backup drill (scenarios/container-drills: two real podman containers, busybox
# httpd each serving a volume; every archive format, several destinations, retention by count,
# age and both under advance-clock, a full destination, a refused stop, restores into fresh
# volumes that the restarted containers serve) through the real nixdrill binary, libvirt and
# QEMU, and in the same run (in parallel) the negative controls: contract mistakes a user makes
# and damage to the destinations, each making its step fail for its reason. Prints TAP.
# Usage: containers.sh NIXDRILL SOURCE_ROOT
set -uo pipefail
nixdrill=${1:?nixdrill binary} root=${2:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vm.sh
. "$(dirname "$0")/../lib/vm.sh"

shipped=$root/scenarios/container-drills/drill-podman.json
vol=/var/lib/containers/storage/volumes
mkdir -p "$work/neg"
# The mistakes, in one drill of the web container (the notes container only exists to be named):
# - site-wrong-unit names the other container's unit as its serviceName: web keeps running while
#   its volume is archived;
# - site backs up only docs/ of the volume web serves: index.html, written by hand, is not in
#   the archive, so the container restored into a fresh volume no longer serves it;
# - an archive that retention keeps is deleted from the destination by hand: the next run finds
#   the destination without it;
# - the newest archive is altered by hand: its restore differs from what the backup read.
jq --arg vol "$vol" '
  .containers = {
    "site": (.containers.site | .dataPaths = [$vol + "/web-site/_data/docs"] | .backupConfig.paths = ["/var/backup/site"]),
    "site-wrong-unit": (.containers["site-conf"] | .serviceName = "podman-notes.service")
  }
  | .drill.podman.notes.volumes = ["notes-data:/notes"]
  | .drill.data = {"site": {"files": 8, "maxFileSize": 4096}, "site-wrong-unit": {"files": 4, "maxFileSize": 1024, "depth": 1}}
  | .drill.timeouts = {"step": 300}
  | .drill.steps = [
      {"action": "exec", "name": "publish-home", "command": ("echo home-page > " + $vol + "/web-site/_data/index.html")},
      {"action": "container-backup", "name": "backup-wrong-unit", "container": "site-wrong-unit"},
      {"action": "container-backup", "name": "backup-docs", "container": "site"},
      {"action": "container-restore", "name": "restore-docs", "container": "site"},
      {"action": "exec", "name": "lose-an-archive", "command": "rm -f /var/backup/site/site-backup-*"},
      {"action": "container-backup", "name": "backup-after-loss", "container": "site"},
      {"action": "exec", "name": "alter-the-archive", "command": "set -e; a=$(ls /var/backup/site/site-backup-*.tar.gz | sort | tail -n 1); d=$(mktemp -d); tar --numeric-owner -xpf \"$a\" -C \"$d\"; f=$(find \"$d\" -type f | sort | head -n 1); echo altered >> \"$f\"; tar --numeric-owner -C \"$d\" -czf \"$a\" var; rm -rf \"$d\""},
      {"action": "container-restore", "name": "restore-altered", "container": "site"}
    ]' "$shipped" >"$work/neg/drill-podman-mistakes.json"

start=$SECONDS
"$nixdrill" run "$shipped" "$work/neg" --junit "$work/j.xml" --json "$work/r.json" --prometheus "$work/m.prom" \
    >"$work/out" 2>&1
rc=$?
echo "# container drills took $((SECONDS - start)) s"
keep_reports containers "$work"/j.xml "$work"/r.json "$work"/m.prom
sed 's/^/# /' "$work/out"
check "the run fails (the negative controls do)" test $rc -eq 1

# 1. The shipped drill passes, with its evidence.
cases() { jq -c --arg s "drill.$1" '[.suites[] | select(.name == $s) | .cases[]]' "$work/r.json"; }
cases drill-podman >"$work/shipped.json"
check "drill-podman: every step passes" jq -e 'length == 13 and all(.outcome == "passed")' "$work/shipped.json"
out() { jq -r --arg c "$1" '.[] | select(.name == $c) | .output' "$work/shipped.json"; }
has() { grep -qE -- "$2" <<<"$(out "$1")"; }
check "drill-podman: the containers serve their seeded files before any backup" \
    has 0-provision 'container web: fetched 16 files over HTTP, 0 wrong'
for b in notes notes-attic site site-conf; do
    check "drill-podman: $b: its container stopped for the archiving and started after" \
        has 1-container-backup "^$b: podman-(web|notes).service stopped [0-9.]+ s before the archiver began, started again"
    check "drill-podman: $b: the archive holds what the stopped container left" \
        has 8-container-backup "^$b: the archive holds [0-9]+ entries, [0-9]+ read, 0 differences"
done
for f in notes-backup-.*\\.tar\\.xz notes-attic-backup-.*\\.tar\\.bz2 site-backup-.*\\.tar\\.gz site-conf-backup-.*\\.zip; do
    check "drill-podman: format ${f##*\\.}: archive made" has 1-container-backup ": $f in "
done
# Retention after days 0, 3, 6 and 9: count 2, age 4 days (days 6 and 9 left), both (1), none (4).
check "drill-podman: retention by count (site: 2)" has 8-container-backup '^site: .* in 2 destination\(s\), holding up to 2 archive'
check "drill-podman: retention by age (site-conf: 2)" has 8-container-backup '^site-conf: .* holding up to 2 archive'
check "drill-podman: retention by age and count (notes: 1)" has 8-container-backup '^notes: .* holding up to 1 archive'
check "drill-podman: no retention (notes-attic: 4 in each of 2)" \
    has 8-container-backup '^notes-attic: .* in 2 destination\(s\), holding up to 4 archive'
check "drill-podman: a full destination fails the run" has site-nas-full 'site-backup.service exited 1 '
check "drill-podman: a full destination: the other gets the archive, the full one keeps its own" \
    has site-nas-full 'in 1 destination\(s\) \(not in the full /mnt/nas/containers/site\), holding up to 2'
check "drill-podman: a refused stop fails the run" has notes-stop-refused 'Operation refused'
check "drill-podman: a refused stop: nothing archived, destinations unchanged, container running" \
    has notes-stop-refused 'refused stop: 0 problem'
check "drill-podman: restored containers serve the backup's files" \
    has restore-latest 'container web: fetched 17 files over HTTP, 0 wrong'
check "drill-podman: RTO of each restore recorded" \
    jq -e '.[] | select(.name == "restore-latest") | .properties | has("rto.site") and has("rto.notes-attic")' \
    "$work/shipped.json"
check "drill-podman: RTO in Prometheus" grep -q 'nixdrill_drill_rto_seconds{.*scenario="drill-podman".*job="site"}' "$work/m.prom"

# 2. The negative controls: each step fails, for its reason; the steps between them pass.
cases drill-podman-mistakes >"$work/neg.json"
outcome() { jq -r --arg c "$1" '.[] | select(.name == $c) | .outcome' "$work/neg.json"; }
message() { jq -r --arg c "$1" '.[] | select(.name == $c) | .message' "$work/neg.json"; }
check "wrong serviceName: the backup fails" test "$(outcome backup-wrong-unit)" = failed
check "wrong serviceName: web ran while its volume was archived" \
    grep -q 'podman-web.service (container web, whose volumes hold the data) was running while the archiver read the data' \
    <<<"$(message backup-wrong-unit)"
check "partial dataPaths: the backup itself passes" test "$(outcome backup-docs)" = passed
check "partial dataPaths: the restored container does not serve index.html" \
    grep -q 'http://127.0.0.1:8081/index.html: the container did not serve it' <<<"$(message restore-docs)"
check "partial dataPaths: only what the container served is missing (the docs are restored)" \
    grep -q '^0 difference(s) between the restored volumes and what the backup read' <<<"$(message restore-docs)"
check "lost archive: the next backup fails" test "$(outcome backup-after-loss)" = failed
check "lost archive: the destination lacks what retention keeps" \
    grep -q '^site: /var/backup/site lacks site-backup-.*\.tar\.gz (its retention keeps it)' <<<"$(message backup-after-loss)"
check "altered archive: the restore fails on a file's sha256" \
    jq -e '.[] | select(.name == "restore-altered") | .outcome == "failed" and any(.mismatches[]; .pointer | startswith("/containers/site/files"))' \
    "$work/neg.json"
check "negative controls: nothing broke" jq -e 'all(.outcome == "passed" or .outcome == "failed")' "$work/neg.json"
check "no nixdrill domain left" test "$(domains)" -eq 0
tap_finish
