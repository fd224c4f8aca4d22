///@file Warm starts: a cache of saved guest states (memory + frozen disk overlays) to restore from.
#pragma once

#include "vm/domain_xml.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::vm {

/// What a restored domain gets instead of what the saved one had: each drill its own disk
/// overlays (on top of the frozen ones), console log and owner.
struct RestoreTarget {
    /// Guest disk target (vda, ...) -> the new source file (a qcow2 overlay).
    std::map<std::string, std::filesystem::path> disks;
    std::optional<std::filesystem::path> consoleLog;
    std::optional<OwnerMetadata> owner;
    /// The domain name the restore must produce ("" = any): a state saved under another name
    /// (an older naming scheme) is refused before libvirt starts a domain nobody would find.
    std::string expectedName;
};

/// Rewrites the XML of a saved state (Connection::savedStateXml) for one restore: disk sources
/// of the targets named in `target` (their backing chain is dropped: libvirt reads it from the
/// new overlay), the serial console file and the owner metadata. Name, UUID and devices stay:
/// libvirt refuses a restore that changes them.
/// @throws util::InputError when the XML is malformed, lacks a disk target named in `target`, or
///         names another domain than target.expectedName.
std::string retargetSavedXml(std::string_view savedXml, const RestoreTarget& target);

/// A 16-hex-digit FNV-1a hash of `parts` (stable across runs and machines; not cryptographic:
/// it names cache entries, it does not authenticate them).
std::string stableHash(const std::vector<std::string_view>& parts);

/// One slot of the warm cache, locked (flock) while this object lives: <root>/<key>-<slot>/ with
/// `state.save` (memory), the frozen disk overlays (`<target>.qcow2`) and `meta.json` (written
/// last: a slot without it is not ready). The slot's domain name is fixed ("nixdrill-warm-
/// <hash of cache root and key>-<slot>") because libvirt restores a saved state only under its original name and
/// UUID; so one slot runs at most one guest at a time, and parallel drills use several slots.
class WarmSlot {
public:
    ~WarmSlot();
    WarmSlot(WarmSlot&& other) noexcept;
    WarmSlot& operator=(WarmSlot&& other) noexcept;
    WarmSlot(const WarmSlot&) = delete;
    WarmSlot& operator=(const WarmSlot&) = delete;

    const std::filesystem::path& dir() const noexcept { return dir_; }
    const std::string& domainName() const noexcept { return domainName_; }
    std::filesystem::path statePath() const { return dir_ / "state.save"; }
    /// The frozen overlay of a disk target, written only while the slot is being prepared.
    std::filesystem::path frozenDisk(std::string_view target) const;
    /// Serial console of the preparing boot.
    std::filesystem::path prepareConsole() const { return dir_ / "prepare-console.log"; }

    /// meta.json and the state file exist: restore from it.
    bool ready() const;
    /// Disk targets recorded as frozen overlays (from meta.json; empty when not ready).
    /// @throws util::InputError when meta.json is malformed.
    std::vector<std::string> frozenTargets() const;
    /// Records the slot as ready (meta.json written atomically, last). `dependsOn` are the host
    /// files the state depends on (kernel, initrd, backing images): the sweep drops the slot
    /// when one of them is gone.
    /// @throws util::SystemError
    void markReady(const std::vector<std::string>& frozenTargets, const std::vector<std::filesystem::path>& dependsOn,
                   const std::string& description);
    /// Stamps the slot as used now (the sweep removes slots unused for long).
    void touch() noexcept;
    /// Removes the state and overlays (a restore failed: the slot is prepared again next time).
    void invalidate() noexcept;

private:
    friend class WarmCache;
    WarmSlot(std::filesystem::path dir, std::string domainName, int lockFd);
    void reset() noexcept;

    std::filesystem::path dir_;
    std::string domainName_;
    int lockFd_ = -1;
};

/// The saved guest states under one root directory, keyed by image and domain shape.
class WarmCache {
public:
    /// NIXDRILL_WARM_ROOT when set, else /var/cache/nixdrill/warm.
    static std::filesystem::path defaultRoot();

    explicit WarmCache(std::filesystem::path root = defaultRoot());

    const std::filesystem::path& root() const noexcept { return root_; }

    /// The first slot of `key` (0..maxSlots-1) that no process holds; nullopt when all are busy.
    /// @throws util::SystemError when the root cannot be created or a lock file opened.
    std::optional<WarmSlot> acquire(const std::string& key, unsigned maxSlots);

    /// Removes the slots nobody holds that were not used for `maxAge`, that need a host file
    /// which is gone (a rebuilt image), or that never became ready and are older than an hour
    /// (an interrupted preparation). Returns what it removed. Never throws.
    std::vector<std::filesystem::path> sweep(std::chrono::hours maxAge = std::chrono::hours(24 * 7));

private:
    std::filesystem::path root_;
};

} // namespace nixdrill::vm
