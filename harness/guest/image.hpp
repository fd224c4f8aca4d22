///@file Guest images built by scripts/vm/build-guest.sh, described by their manifest.json.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace nixdrill::guest {

enum class GuestKind {
    Initramfs, ///< busybox + qemu-ga + restic in an initramfs: fastest boot, no systemd
    Systemd,   ///< Debian with systemd on a root disk: real units, journald, udev
    NixOS,     ///< a NixOS system built from flake.nix (not implemented yet)
};

/// "initramfs", "systemd", "nixos".
std::string_view toString(GuestKind kind);
/// @throws util::InputError for an unknown name.
GuestKind parseGuestKind(std::string_view name);

struct RootDisk {
    std::filesystem::path path;
    std::string format; ///< raw or qcow2
};

struct GuestImage {
    GuestKind kind = GuestKind::Initramfs;
    std::filesystem::path dir;
    std::string key;
    std::string kernelVersion;
    std::filesystem::path kernel;
    std::filesystem::path initrd;
    /// Shared read-only by every drill; each drill writes to its own overlay.
    std::optional<RootDisk> rootDisk;
    std::string cmdline;
    std::string agentChannel;
    std::chrono::milliseconds buildTime{0};
};

/// Reads <dir>/manifest.json and checks the files it names exist.
/// @throws util::InputError when the manifest is missing or malformed or a file is missing.
GuestImage loadGuestImage(const std::filesystem::path& dir);

/// NIXDRILL_BUILD_GUEST when set, else scripts/vm/build-guest.sh of the source tree.
std::filesystem::path defaultBuildScript();

/// Runs the build script for `kind` (a cache hit takes ~0.1 s, a cold build of the systemd guest
/// about a minute) and loads the image it prints.
/// @throws util::SystemError when the script fails (with its stderr), util::InputError for NixOS.
GuestImage buildGuestImage(GuestKind kind, const std::filesystem::path& script = defaultBuildScript());

} // namespace nixdrill::guest
