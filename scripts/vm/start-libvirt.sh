#!/usr/bin/env bash
# Starts virtlogd and libvirtd where no service manager does it (containers, CI runners without
# systemd as PID 1; with systemd it asks systemctl), configures QEMU for nixdrill's drills and
# waits until qemu:///system answers.
# Idempotent: daemons already running are left alone unless their configuration had to change.
#
# Environment:
#   NIXDRILL_LIBVIRT_TIMEOUT  seconds to wait for qemu:///system (default 60)
set -euo pipefail

timeout_s=${NIXDRILL_LIBVIRT_TIMEOUT:-60}
qemu_conf=/etc/libvirt/qemu.conf
marker_begin='# >>> nixdrill start-libvirt.sh >>>'
marker_end='# <<< nixdrill <<<'

log() { echo "start-libvirt: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

[[ $(id -u) == 0 ]] || die "must run as root (libvirtd and qemu:///system need it)"
command -v libvirtd >/dev/null || die "libvirtd not installed; run scripts/install-deps.sh"
command -v virtlogd >/dev/null || die "virtlogd not installed; run scripts/install-deps.sh"
[[ -f $qemu_conf ]] || die "$qemu_conf missing; is libvirt-daemon-system installed?"

# QEMU runs as root: per-drill overlays, serial logs and writable shares live in temp dirs owned
# by the harness, and the default libvirt-qemu user could not write them (measured with 9p).
desired_block="$marker_begin
user = \"root\"
group = \"root\"
$marker_end"

current_block=$(sed -n "/^$marker_begin\$/,/^$marker_end\$/p" "$qemu_conf")
config_changed=0
if [[ $current_block != "$desired_block" ]]; then
    tmp=$(mktemp "$qemu_conf.XXXXXX")
    # Drop an old nixdrill block and any other active user/group settings, then append ours.
    sed -e "/^$marker_begin\$/,/^$marker_end\$/d" -e '/^[[:space:]]*user[[:space:]]*=/d' \
        -e '/^[[:space:]]*group[[:space:]]*=/d' "$qemu_conf" >"$tmp"
    printf '%s\n' "$desired_block" >>"$tmp"
    chmod --reference="$qemu_conf" "$tmp"
    mv "$tmp" "$qemu_conf"
    config_changed=1
    log "configured $qemu_conf (user/group root)"
fi

# pidfile-based liveness: pgrep by name could match another user's or container's daemon.
running() {
    local pidfile=$1 pid
    [[ -f $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

wait_ready() {
    local deadline=$((SECONDS + timeout_s))
    until virsh -q -c qemu:///system uri >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "qemu:///system did not answer within ${timeout_s}s"
        sleep 0.2
    done
    log "qemu:///system ready"
}

# A host with systemd: let it own the daemons.
if [[ -d /run/systemd/system ]]; then
    if ((config_changed)) && systemctl -q is-active libvirtd.service; then
        systemctl restart libvirtd.service
    fi
    systemctl start virtlogd.socket libvirtd.socket libvirtd.service
    wait_ready
    exit 0
fi

mkdir -p /run/libvirt /var/log/libvirt/qemu

# virtlogd first: libvirtd hands QEMU's console/stdio to it and domain creation fails without it.
if ! running /run/virtlogd.pid; then
    virtlogd -d
    log "started virtlogd"
fi

if running /run/libvirtd.pid && ((config_changed)); then
    # qemu.conf is read at start only. Running QEMU processes survive a libvirtd restart.
    pid=$(</run/libvirtd.pid)
    log "restarting libvirtd (pid $pid) to apply $qemu_conf"
    kill -TERM "$pid"
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && die "libvirtd (pid $pid) did not stop"
fi
if ! running /run/libvirtd.pid; then
    libvirtd -d
    log "started libvirtd"
fi

wait_ready
