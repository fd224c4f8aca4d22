#!/usr/bin/env bash
# Installs every build and test dependency of nixdrill from Debian's packages.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

packages=(
    # build
    meson ninja-build g++ pkg-config clang-format
    libboost-dev libboost-test-dev libboost-filesystem-dev
    nlohmann-json3-dev libpugixml-dev libvirt-dev libbenchmark-dev libcli11-dev
    # base64 of the guest-agent channel (harness/guest/base64.cpp)
    libsodium-dev
    # libFuzzer targets (fuzz/run.sh): clang with its sanitizer and fuzzer runtimes
    clang-14 libclang-rt-14-dev
    # evaluation of nix/lib
    nix-bin
    # unit tests: the kill-mid-backup trigger runs pgrep against a fake restic
    procps
    # host tests of the rendered shell (metrics hook, container backups)
    restic prometheus zip unzip xz-utils bzip2 jq libxml2-utils shellcheck python3 systemd
    # VM drills
    qemu-system-x86 qemu-utils qemu-guest-agent libvirt-daemon-system libvirt-clients
    debootstrap e2fsprogs linux-image-amd64 busybox-static kmod cpio
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Recommends would pull in a desktop's worth of packages through libvirt and qemu.
apt-get install -y -q --no-install-recommends "${missing[@]}"
