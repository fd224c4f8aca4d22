#!/usr/bin/env bash
# Builds a nixdrill guest image and prints its directory on stdout (logs go to stderr).
#
# Usage: build-guest.sh [--key | --prune] KIND
#   KIND    initramfs  busybox + qemu-ga + restic in an initramfs, no disk (boots in ~4 s)
#           systemd    Debian (debootstrap minbase) with systemd, on an ext4 root disk (~10 s)
#           systemd-zfs the systemd guest plus OpenZFS (Debian contrib's zfs-dkms, its module built
#                      here for the guest kernel, and zfsutils-linux); only drills with a `zfs` field
#                      use it (scenarios/zfs), so the plain systemd image does not pay for it
#   --key   print the cache key of KIND and exit without building
#   --prune after building, delete the other cached images of KIND that no running process
#           (a QEMU booted from it) refers to
#
# Images are cached by a content hash of their inputs (this script, scripts/vm/guest/*, the
# package list, the kernel, the host packages copied in); a cached image is never modified:
# drills write to per-drill qcow2 overlays. Each image directory holds manifest.json, which
# tells the harness what to boot (kernel, initrd, root disk, kernel command line).
#
# Environment:
#   NIXDRILL_GUEST_CACHE    cache directory (default /var/cache/nixdrill/guests)
#   NIXDRILL_GUEST_KERNEL   kernel version under /boot (default: the newest *-amd64)
#   NIXDRILL_DEBIAN_MIRROR  Debian mirror for debootstrap (default: from /etc/apt sources)
#   NIXDRILL_DEBIAN_SUITE   Debian suite (default: the host's VERSION_CODENAME)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
files_dir=$script_dir/guest
cache=${NIXDRILL_GUEST_CACHE:-/var/cache/nixdrill/guests}
agent_channel=org.qemu.guest_agent.0

# Packages of the systemd guest. util-linux-extra has hwclock, which qemu-ga's guest-set-time runs.
# postgresql-15 and pgbackrest serve the PostgreSQL drills (scenarios/postgres); the package's
# cluster is dropped (pg-seed creates one when a drill needs it).
# dmsetup serves the io-errors fault (device-mapper error target over a copy of the data).
# mariadb-server, redis-server and sqlite3 are the real services of scenarios/services (their
# contracts' dump hooks and application checks); their units are not started at boot.
# podman (with crun; netavark named because debootstrap cannot pick a provider of the virtual
# container-network-stack) runs the real containers of scenarios/container-drills; their image is
# imported from busybox-static's busybox (no registry is reachable); xz-utils, bzip2, zip and
# unzip are the container backups' archive formats.
systemd_packages=(systemd-sysv udev kmod qemu-guest-agent restic coreutils util-linux util-linux-extra
    e2fsprogs procps jq dmsetup postgresql-15 postgresql-client-15 pgbackrest
    mariadb-server mariadb-client redis-server redis-tools sqlite3
    podman crun netavark golang-github-containers-image busybox-static xz-utils bzip2 zip unzip)
# Added to the systemd-zfs guest (from contrib): the kernel headers dkms builds the module against.
zfs_packages=(linux-headers-"${NIXDRILL_GUEST_KERNEL:-KERNEL}" zfs-dkms zfsutils-linux)
# Host binaries copied into the initramfs guest (with their shared libraries).
initramfs_binaries=(/usr/sbin/qemu-ga /usr/bin/restic /usr/bin/jq)
# Host packages whose files end up in the initramfs guest: their versions are part of its key.
initramfs_host_packages=(busybox-static qemu-guest-agent restic jq libc6 libglib2.0-0 kmod)
# Modules both initramfs images load, in this order (dependencies are added before each).
boot_modules=(virtio_pci virtio_blk virtio_console virtio_rng crc32c_generic ext4)
agent_modules=("${boot_modules[@]}" 9pnet_virtio 9p)
# Kernel command line: serial console; the rest trims seconds off a TCG boot (measured: PVH
# vmlinux + these flags 4.2 s against 5.2 s without them).
base_cmdline="console=ttyS0 loglevel=4 panic=-1 cryptomgr.notests init_on_alloc=0 mitigations=off"

log() { echo "build-guest: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

print_key=0
prune=0
case ${1:-} in
--key)
    print_key=1
    shift
    ;;
--prune)
    prune=1
    shift
    ;;
esac
kind=${1:-}
[[ $kind == initramfs || $kind == systemd || $kind == systemd-zfs ]] ||
    die "usage: build-guest.sh [--key | --prune] initramfs|systemd|systemd-zfs"

kernel_version=${NIXDRILL_GUEST_KERNEL:-}
if [[ -z $kernel_version ]]; then
    kernel_version=$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' | sed 's/^vmlinuz-//' |
        sort -V | tail -n 1)
fi
[[ -n $kernel_version && -f /boot/vmlinuz-$kernel_version ]] ||
    die "no kernel /boot/vmlinuz-${kernel_version:-*-amd64}; install linux-image-amd64"
modules_dir=/lib/modules/$kernel_version
zfs_packages[0]=linux-headers-$kernel_version
[[ -d $modules_dir ]] || die "$modules_dir missing"

# The Debian mirror apt uses here: deb822 sources first, then the one-line format.
debian_mirror() {
    if [[ -n ${NIXDRILL_DEBIAN_MIRROR:-} ]]; then
        echo "$NIXDRILL_DEBIAN_MIRROR"
        return
    fi
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # The first URI of a stanza whose suites are the plain release (not -security).
        uri=$(awk -v suite="$1" '
            /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
            END { if (uri != "" && ok) print uri }' "$f" | head -n 1)
        if [[ -n $uri ]]; then
            echo "$uri"
            return
        fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        uri=$(awk -v suite="$1" '$1 == "deb" && $0 !~ /\[/ && $3 == suite { print $2; exit }
            $1 == "deb" && $2 ~ /^\[/ && $4 == suite { print $3; exit }' "$f")
        if [[ -n $uri ]]; then
            echo "$uri"
            return
        fi
    done
    return 1
}

# Cache key: everything that decides the image's content.
key_inputs() {
    echo "kind=$kind"
    echo "kernel=$kernel_version $(sha256sum </boot/vmlinuz-"$kernel_version" | cut -d' ' -f1)"
    sha256sum "$script_dir/build-guest.sh" | cut -d' ' -f1
    (cd "$files_dir" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    if [[ $kind == initramfs ]]; then
        dpkg-query -W "${initramfs_host_packages[@]}"
    else
        echo "packages=${systemd_packages[*]}"
        [[ $kind != systemd-zfs ]] || echo "zfs=${zfs_packages[*]} security=$security_mirror"
        echo "mirror=$mirror suite=$suite"
    fi
}

if [[ $kind == systemd || $kind == systemd-zfs ]]; then
    # shellcheck source=/dev/null
    suite=${NIXDRILL_DEBIAN_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
    mirror=$(debian_mirror "$suite") || die "no Debian mirror for '$suite' in /etc/apt; set NIXDRILL_DEBIAN_MIRROR"
fi
if [[ $kind == systemd-zfs ]]; then
    # The headers of the current point release's kernel ABI are published in -security.
    security_mirror=$(NIXDRILL_DEBIAN_MIRROR='' debian_mirror "$suite-security") ||
        die "no Debian mirror for '$suite-security' in /etc/apt (linux-headers-$kernel_version lives there)"
fi
key=$(key_inputs | sha256sum | cut -c1-16)
if ((print_key)); then
    echo "$key"
    exit 0
fi

image_dir=$cache/$kind-$key

# Old images of this kind, unless a process (QEMU's -kernel/-initrd, an overlay's backing file
# shows up as -kernel of the same image) still names them on its command line.
prune_others() {
    local dir
    for dir in "$cache/$kind"-*; do
        [[ -d $dir && $dir != "$image_dir" ]] || continue
        # systemd-* also matches systemd-zfs-*: only <kind>-<16 hex digits> is this kind.
        [[ ${dir#"$cache/$kind"-} =~ ^[0-9a-f]{16}$ ]] || continue
        if grep -qsF "$dir/" /proc/[0-9]*/cmdline; then
            log "keeping $dir: in use"
            continue
        fi
        rm -rf --one-file-system "$dir"
        log "pruned $dir"
    done
}

if [[ -f $image_dir/manifest.json ]]; then
    log "cached: $image_dir"
    ((prune)) && prune_others
    echo "$image_dir"
    exit 0
fi

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, device nodes, file ownership)"
mkdir -p "$cache"
exec 9>"$cache/.lock-$kind"
flock 9
if [[ -f $image_dir/manifest.json ]]; then # another build finished while we waited
    echo "$image_dir"
    exit 0
fi

start_ns=$(date +%s%N)
work=$(mktemp -d "$cache/.build-$kind-XXXXXX")
cleanup() {
    # debootstrap mounts proc/sys inside the target: unmount before deleting anything.
    local m
    for m in $(findmnt -rn -o TARGET | grep -F "$work/" | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
out=$work/out
mkdir -p "$out"

# An uncompressed vmlinux boots through PVH straight into the kernel: ~2x faster than bzImage
# through SeaBIOS under TCG. Same approach as the kernel tree's scripts/extract-vmlinux.
extract_vmlinux() {
    local bz=$1 dest=$2 spec magic tool offset
    for spec in '\xfd7zXZ\x00|xz -dc' '\x1f\x8b\x08\x00|gzip -dc' '\x28\xb5\x2f\xfd|zstd -dcq'; do
        magic=${spec%%|*}
        tool=${spec#*|}
        command -v "${tool%% *}" >/dev/null || continue
        # shellcheck disable=SC2013 # one number per line
        for offset in $(LC_ALL=C grep -obUaP "$magic" "$bz" | cut -d: -f1); do
            tail -c +$((offset + 1)) "$bz" | $tool >"$dest" 2>/dev/null || true
            if [[ $(head -c 4 "$dest" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
                return 0
            fi
        done
    done
    return 1
}
log "building $kind guest (key $key)"
log "extracting vmlinux from /boot/vmlinuz-$kernel_version"
extract_vmlinux "/boot/vmlinuz-$kernel_version" "$out/vmlinux" || die "no ELF kernel found in the bzImage"

# Copies each module with its dependencies (in load order) and writes etc/nixdrill/modules.order.
add_modules() {
    local root=$1 mod path rel
    shift
    mkdir -p "$root/etc/nixdrill"
    : >"$root/etc/nixdrill/modules.order"
    for mod in "$@"; do
        modprobe -S "$kernel_version" --show-depends "$mod" | while read -r cmd path _; do
            [[ $cmd == insmod ]] || continue
            rel=${path#"$modules_dir"/}
            grep -qxF "$rel" "$root/etc/nixdrill/modules.order" && continue
            mkdir -p "$root/lib/modules/$(dirname "$rel")"
            case $path in
            *.ko) cp "$path" "$root/lib/modules/$rel" ;;
            *.ko.xz) xz -dc "$path" >"$root/lib/modules/${rel%.xz}" && rel=${rel%.xz} ;;
            *.ko.zst) zstd -dcq "$path" >"$root/lib/modules/${rel%.zst}" && rel=${rel%.zst} ;;
            *) die "unexpected module file $path" ;;
            esac
            echo "$rel" >>"$root/etc/nixdrill/modules.order"
        done
    done
}

# Copies binaries and the shared libraries ldd reports, keeping their paths.
add_binaries() {
    local root=$1 bin lib
    shift
    for bin in "$@"; do
        install -D -m 0755 "$bin" "$root$bin"
        for lib in $(ldd "$bin" | grep -oE '/[^ ]+' | sort -u); do
            [[ -e $root$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
        done
    done
}

# The skeleton both initramfs images share: busybox with its applet links, /init, modules.
make_initramfs_root() {
    local root=$1 mode=$2 link
    shift 2
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/sbin,usr/local/bin,etc/nixdrill,proc,sys,dev,run,tmp,mnt,newroot,root}
    install -m 0755 /bin/busybox "$root/bin/busybox"
    for link in $(/bin/busybox --list-full); do
        [[ -e $root/$link ]] || ln -s /bin/busybox "$root/$link"
    done
    install -m 0755 "$files_dir/init" "$root/init"
    echo "$mode" >"$root/etc/nixdrill/mode"
    add_modules "$root" "$@"
}

pack_initramfs() {
    (cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$2"
}

build_initramfs_guest() {
    local root=$work/initramfs
    make_initramfs_root "$root" agent "${agent_modules[@]}"
    add_binaries "$root" "${initramfs_binaries[@]}"
    install -m 0644 "$files_dir/inittab" "$root/etc/inittab"
    install -m 0755 "$files_dir/shutdown" "$root/sbin/shutdown"
    install -m 0755 "$files_dir/nixdrill-agent" "$root/usr/local/sbin/nixdrill-agent"
    install -m 0755 "$files_dir/nixdrill-writer" "$root/usr/local/bin/nixdrill-writer"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    pack_initramfs "$root" "$out/initrd"
    write_manifest null "$base_cmdline"
}

build_systemd_guest() {
    local root=$work/root debs=$cache/debs
    mkdir -p "$debs"
    log "debootstrap $suite from $mirror"
    local includes
    includes=$(
        IFS=,
        echo "${systemd_packages[*]}"
    )
    # contrib (zfs-dkms, zfsutils-linux) only for the zfs kind: the plain image stays main-only.
    local components=main
    [[ $kind != systemd-zfs ]] || components=main,contrib
    debootstrap --variant=minbase --components="$components" --include="$includes" --cache-dir="$debs" \
        "$suite" "$root" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || {
        tail -n 30 "$work/debootstrap.log" >&2
        die "debootstrap failed (full log above)"
    }
    for m in $(findmnt -rn -o TARGET | grep -F "$root/" | sort -r); do
        umount "$m"
    done

    log "configuring the root file system"
    echo nixdrill-guest >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 nixdrill-guest\n' >"$root/etc/hosts"
    # No root entry: the initramfs mounts it read-write, and an entry would make boot wait for
    # udev's dev-vda.device (measured: 7 s).
    printf '# root is mounted read-write by the initramfs\n' >"$root/etc/fstab"
    # A fixed machine id: an empty one makes systemd run first-boot setup on every boot.
    echo "$key" | sha256sum | cut -c1-32 >"$root/etc/machine-id"
    chroot "$root" passwd -d root >/dev/null
    mkdir -p "$root/etc/systemd/journald.conf.d"
    printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/nixdrill.conf"

    install -m 0755 "$files_dir/nixdrill-agent" "$root/usr/local/sbin/nixdrill-agent"
    install -m 0755 "$files_dir/nixdrill-writer" "$root/usr/local/bin/nixdrill-writer"
    # qemu-ga's guest-shutdown runs "/sbin/shutdown -P +0 ...", which systemd's shutdown hands to
    # logind, which needs D-Bus (not installed: it slows boot). The wrapper calls poweroff.
    chroot "$root" dpkg-divert --quiet --local --rename --add /sbin/shutdown
    install -m 0755 "$files_dir/shutdown" "$root/sbin/shutdown"
    install -m 0644 "$files_dir/nixdrill-agent.service" "$root/etc/systemd/system/nixdrill-agent.service"
    mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
    ln -sf /etc/systemd/system/nixdrill-agent.service "$root/etc/systemd/system/sysinit.target.wants/"
    # Units that cost boot time and do nothing useful in a throwaway drill VM (TCG runs one vCPU:
    # every unit started delays the others). The serial console is a log file, so no getty; users
    # exist already (sysusers); nobody logs in (user-sessions, utmp); loop and dm_mod load on
    # demand; virtio-rng seeds the kernel (random-seed). podman's own boot units (its API service,
    # which Debian enables in default.target, its socket, restart and auto-update): the drills'
    # containers are started by their own units; at boot these cost seconds of TCG time and
    # wrote podman's storage after the unprotected-state audit's baseline.
    local unit
    for unit in qemu-guest-agent.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
        e2scrub_reap.service fstrim.timer man-db.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer \
        getty@.service serial-getty@.service getty-static.service systemd-udev-settle.service \
        systemd-networkd-wait-online.service systemd-timesyncd.service systemd-firstboot.service systemd-journal-catalog-update.service \
        systemd-update-done.service systemd-hwdb-update.service ldconfig.service \
        dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
        sys-fs-fuse-connections.mount sys-kernel-config.mount modprobe@efi_pstore.service \
        modprobe@fuse.service modprobe@drm.service modprobe@dm_mod.service modprobe@loop.service \
        systemd-sysusers.service systemd-user-sessions.service systemd-update-utmp.service \
        systemd-update-utmp-runlevel.service systemd-random-seed.service \
        podman.service podman.socket podman-restart.service podman-auto-update.timer podman-auto-update.service; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    # No PostgreSQL cluster in the image: the package's 15/main would start with any unit named
    # postgresql.service (its generator makes that unit want every cluster), and its files would
    # live in /var/lib/postgresql, which drills without PostgreSQL use as a service's data dir.
    # The PostgreSQL drills create the cluster they need (pg-seed).
    chroot "$root" pg_dropcluster 15 main
    [[ ! -e $root/var/lib/postgresql/15/main ]] || die "pg_dropcluster left /var/lib/postgresql/15/main"
    rm -f "$root/etc/systemd/system/multi-user.target.wants/postgresql.service"
    # The real services start only in the drills whose contracts name them (provision enables
    # them): at boot they would cost every drill seconds of TCG time and memory.
    chroot "$root" systemctl disable --quiet mariadb.service redis-server.service
    [[ ! -e $root/etc/systemd/system/multi-user.target.wants/mariadb.service ]] || die "mariadb.service still enabled"
    # Modules the drills may load later (loop, dm, 9p, ...): the whole tree of the boot kernel.
    mkdir -p "$root/lib/modules"
    cp -a "$modules_dir" "$root/lib/modules/"
    [[ $kind != systemd-zfs ]] || install_zfs "$root"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

    log "making the ext4 root disk"
    truncate -s 4G "$out/root.img"
    mkfs.ext4 -q -F -L nixdrill-root -E root_owner=0:0 -d "$root" "$out/root.img"

    local boot=$work/boot
    make_initramfs_root "$boot" switch-root "${boot_modules[@]}"
    pack_initramfs "$boot" "$out/initrd"
    write_manifest '{"path": "root.img", "format": "raw"}' "$base_cmdline root=/dev/vda rw"
}

# OpenZFS in the guest: zfs-dkms compiles the module for the guest kernel (headers from the
# mirror; the host's running kernel is irrelevant), zfsutils-linux brings zpool/zfs. The build
# time of the module is logged and written to zfs-build.json.
install_zfs() {
    local root=$1 t0 ms m
    log "installing ${zfs_packages[*]} (zfs-dkms builds the module for $kernel_version)"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    # No service starts inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    printf 'deb %s %s-security main\n' "$security_mirror" "$suite" >"$root/etc/apt/sources.list.d/security.list"
    t0=$(date +%s%N)
    if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c \
        "apt-get update -q && apt-get install -y -q --no-install-recommends ${zfs_packages[*]}" \
        >"$work/zfs-install.log" 2>&1; then
        tail -n 40 "$work/zfs-install.log" >&2
        die "installing ZFS failed (log above)"
    fi
    # dkms builds for the kernels whose headers are installed; make sure of ours (no-op when built).
    if [[ -z $(find "$root/lib/modules/$kernel_version" -name 'zfs.ko*' -print -quit) ]]; then
        local version
        # shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
        version=$(chroot "$root" dpkg-query -W -f='${Version}' zfs-dkms | sed 's/-.*//')
        chroot "$root" dkms install "zfs/$version" -k "$kernel_version" >>"$work/zfs-install.log" 2>&1 || {
            tail -n 40 "$work/zfs-install.log" >&2
            die "dkms install zfs/$version -k $kernel_version failed (log above)"
        }
    fi
    ms=$((($(date +%s%N) - t0) / 1000000))
    [[ -n $(find "$root/lib/modules/$kernel_version" -name 'zfs.ko*' -print -quit) ]] ||
        die "no zfs.ko for $kernel_version after zfs-dkms (log: $work/zfs-install.log)"
    rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/apt/sources.list.d/security.list"
    for m in $(findmnt -rn -o TARGET | grep -F "$root/" | sort -r); do
        umount "$m"
    done
    # The copied module tree's modules.dep predates zfs.ko.
    chroot "$root" depmod "$kernel_version"
    chroot "$root" modinfo -k "$kernel_version" -F version zfs >/dev/null ||
        die "modinfo zfs fails in the guest root"
    # zed and the import/mount units would import pools at boot: the drills create their own.
    local unit
    # The drills load the module themselves (modprobe zfs): boot does not wait for it.
    for unit in zfs-load-module.service zfs-import-cache.service zfs-import-scan.service zfs-mount.service zfs-share.service \
        zfs-zed.service zfs-volume-wait.service; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    printf '{"zfsVersion": "%s", "kernelVersion": "%s", "installMilliseconds": %d}\n' \
        "$(chroot "$root" modinfo -k "$kernel_version" -F version zfs)" "$kernel_version" "$ms" >"$out/zfs-build.json"
    log "ZFS installed and module built in $ms ms"
}

write_manifest() {
    local root_disk=$1 cmdline=$2 seconds
    seconds=$((($(date +%s%N) - start_ns) / 1000000))
    cat >"$out/manifest.json" <<EOF
{
  "kind": "$kind",
  "key": "$key",
  "kernelVersion": "$kernel_version",
  "kernel": "vmlinux",
  "initrd": "initrd",
  "rootDisk": $root_disk,
  "cmdline": "$cmdline",
  "agentChannel": "$agent_channel",
  "buildMilliseconds": $seconds
}
EOF
}

case $kind in
initramfs) build_initramfs_guest ;;
systemd | systemd-zfs) build_systemd_guest ;;
esac
chmod -R a+rX "$out"
mv "$out" "$image_dir"
log "built $image_dir in $((($(date +%s%N) - start_ns) / 1000000)) ms"
((prune)) && prune_others
echo "$image_dir"
