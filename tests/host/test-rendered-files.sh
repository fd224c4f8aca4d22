#!/usr/bin/env bash
# Host test of the rendered files as a Debian guest would install them: the unit texts pass
# `systemd-analyze verify` (scripts installed in /usr/local/bin of a scratch root, found by
# name through systemd's fixed search path) without a single warning, and every rendered
# script passes shellcheck.
source "$(dirname "$0")/lib.sh"
make_scratch

root="$SCRATCH/root"
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/local/bin"
# The stock units (sysinit.target, network-online.target, ...) the rendered ones refer to.
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"

backup=$(render_json render-backup.nix args '{
  services = {
    postgres = { enable = true; dataDir = "/var/lib/postgresql"; backupPaths = [ "/var/backup/pg" ];
                 priority = 10; systemdUnits = [ "postgresql.service" ]; preBackup = "echo dump"; };
    grafana = { enable = true; dataDir = "/var/lib/grafana"; backupPaths = [ "/etc/grafana" ];
                backup.repository = "offsite"; };
  };
  config = {
    enable = true;
    schedule = "30 1 * * mon-fri";
    restic.repositories = {
      nas = { url = "/mnt/nas/restic"; passwordFile = "/etc/restic/pw"; primary = true; };
      offsite = { url = "sftp:backup@host:/srv/restic"; passwordFile = "/etc/restic/pw2"; };
    };
    restic.jobs.system = { paths = [ "/etc" ]; resources = { memory = "512m"; cpus = "0.5"; }; };
    monitoring.prometheus.enable = true;
  };
}')
container=$(render_json render-container.nix args '{
  name = "myapp"; serviceName = "docker-myapp.service"; dataPaths = [ "/var/lib/myapp" ];
  user = "myapp"; group = "myapp";
  backupConfig = { enable = true; paths = [ "/var/backups/myapp" ]; schedule = "0 3 * * 0"; format = "zip"; };
}')
write_files "$backup" .files "$SCRATCH/files"
write_files "$container" .files "$SCRATCH/files"
jq -r '.jobs["service-postgres"].metricsHook' <<<"$backup" >"$SCRATCH/metrics-hook.sh"

units=()
for f in "$SCRATCH/files"/*; do
    case $f in
    *.sh) cp "$f" "$root/usr/local/bin/" ;;
    *) cp "$f" "$root/etc/systemd/system/" && units+=("${f##*/}") ;;
    esac
done
tap_eq "rendered 4 services and 4 timers (3 restic jobs, 1 container)" 8 "${#units[@]}"

for u in "${units[@]}"; do
    out=$(systemd-analyze verify --man=no --root="$root" "$u" 2>&1)
    rc=$?
    if ((rc == 0)) && [[ -z $out ]]; then tap_pass "systemd-analyze verify $u: clean"; else tap_fail "systemd-analyze verify $u: clean" "$out"; fi
done

# A broken unit must be reported, or the checks above prove nothing.
sed 's/^CPUQuota=.*/CPUQuota=lots/' "$root/etc/systemd/system/restic-backups-system.service" >"$root/etc/systemd/system/broken.service"
tap_check "verify reports a broken CPUQuota" bash -c \
    "systemd-analyze verify --man=no --root='$root' broken.service 2>&1 | grep -q 'Invalid CPU quota'"
rm "$root/etc/systemd/system/broken.service"

tap_check "restic-backups-system.service carries the resources" \
    grep -qx 'MemoryMax=512M' "$root/etc/systemd/system/restic-backups-system.service"
tap_check "restic-backups-service-grafana.service runs after the postgres job" \
    grep -qx 'After=network-online.target restic-backups-service-postgres.service' \
    "$root/etc/systemd/system/restic-backups-service-grafana.service"

for f in "$SCRATCH/files"/*.sh "$SCRATCH/metrics-hook.sh"; do
    tap_check "shellcheck ${f##*/}" shellcheck -s bash "$f"
done
for f in "$REPO_ROOT"/nix/lib/scripts/*.sh; do
    tap_check "shellcheck template ${f##*/}" shellcheck -s bash "$f"
done

# Hooks that are empty or only comments still give scripts bash can parse.
commented=$(render_json render-backup.nix args '{
  services.a = { enable = true; backupPaths = [ "/srv/a" ]; preBackup = "# nothing to do yet"; postBackup = ""; };
  config = { enable = true; restic.repositories.r = { url = "/srv/repo"; passwordFile = "/etc/pw"; primary = true; }; };
}')
write_files "$commented" .files "$SCRATCH/commented"
tap_check "a comment-only preBackup and an empty postBackup render a script bash parses" \
    bash -n "$SCRATCH/commented/run-service-a.sh"

tap_done
