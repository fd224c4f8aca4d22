///@file Guest images: Debian/initramfs ones built by scripts/vm/build-guest.sh (manifest.json), NixOS ones
/// built by flake.nix (nixdrill-guest.json), and which kind a drill gets.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace nixdrill::guest {

enum class GuestKind {
    Initramfs,  ///< busybox + qemu-ga + restic in an initramfs: fastest boot, no systemd
    Systemd,    ///< Debian with systemd on a root disk: real units, journald, udev
    SystemdZfs, ///< the systemd guest plus OpenZFS (module built for its kernel): drills with drill.zfs
    NixOS,      ///< the scenario's NixOS system built by flake.nix: the modules' own job units
};

/// "initramfs", "systemd", "systemd-zfs", "nixos".
std::string_view toString(GuestKind kind);
/// @throws util::InputError for an unknown name.
GuestKind parseGuestKind(std::string_view name);

/// The kind of a scenario's `drill.guest` or of `--guest`: "debian" (the Debian systemd guest) or
/// "nixos".
/// @throws util::InputError for anything else.
GuestKind guestKindOfDrill(std::string_view name);

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
    /// NixOS: the scenario the system was built for, and its store path.
    std::string scenario;
    std::string system;
};

/// Reads <dir>/manifest.json and checks the files it names exist.
/// @throws util::InputError when the manifest is missing or malformed or a file is missing.
GuestImage loadGuestImage(const std::filesystem::path& dir);

/// File name of a NixOS guest's descriptor in its directory (`nix build .#guest-<scenario>`).
inline constexpr std::string_view nixosDescriptorName = "nixdrill-guest.json";

/// Reads a NixOS guest descriptor (format nixdrill-guest/1, written by nix/nixos/guest.nix);
/// relative file names are taken from `dir`. Does not look at the files.
/// @throws util::InputError naming the field that is missing or wrong.
GuestImage parseGuestDescriptor(std::string_view json, const std::filesystem::path& dir);

/// Loads <dir>/nixdrill-guest.json and checks that the kernel, initrd and root disk exist.
/// @throws util::InputError when it is missing, malformed or names a missing file.
GuestImage loadGuestDescriptor(const std::filesystem::path& dir);

/// What the command line says about guests (`--guest`, `--guest-image`).
struct GuestSelection {
    std::optional<GuestKind> kind;              ///< --guest: overrides every scenario's drill.guest
    std::optional<std::filesystem::path> image; ///< --guest-image: NixOS guest(s)
};

/// The guest kind of a drill: --guest when given, else the scenario's `drill.guest`.
/// @throws util::InputError for an unknown drill.guest.
GuestKind selectGuestKind(const GuestSelection& selection, std::string_view drillGuest);

/// The NixOS guest of `scenario`: `image` itself when it holds a descriptor, else
/// `image/<scenario>` (a directory of `nix build` results named by scenario). The image must
/// have been built for that scenario: its units are the scenario's jobs.
/// @throws util::InputError when no image is given (saying how to build one), none exists for
/// the scenario, or it was built for another scenario.
GuestImage resolveNixosImage(const std::optional<std::filesystem::path>& image, std::string_view scenario);

/// The image kind a drill boots: the systemd-zfs image instead of the systemd one when the
/// drill needs ZFS (drill.zfs); other kinds unchanged (a NixOS system brings its own ZFS).
/// @throws util::InputError for ZFS in the initramfs guest (it has no ZFS).
GuestKind imageKindFor(GuestKind kind, bool needsZfs);

/// NIXDRILL_BUILD_GUEST when set, else scripts/vm/build-guest.sh of the source tree.
std::filesystem::path defaultBuildScript();

/// Runs the build script for `kind` (a cache hit takes ~0.1 s, a cold build of the systemd guest
/// about a minute) and loads the image it prints.
/// @throws util::SystemError when the script fails (with its stderr), util::InputError for NixOS
/// (NixOS guests need nixpkgs: they are built by flake.nix, see resolveNixosImage).
GuestImage buildGuestImage(GuestKind kind, const std::filesystem::path& script = defaultBuildScript());

} // namespace nixdrill::guest
