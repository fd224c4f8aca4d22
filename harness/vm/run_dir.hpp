///@file A per-drill working directory (overlays, console log) that knows its owner process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace nixdrill::vm {

/// <root>/nixdrill-<tag>-XXXXXX with an `owner` file naming this process, removed when the
/// object dies or by the signal cleanup; a later sweepLeftovers() removes it if this process was
/// killed outright.
class RunDir {
public:
    /// NIXDRILL_RUN_ROOT when set, else /var/tmp/nixdrill (disk-backed: overlays can be large).
    static std::filesystem::path defaultRoot();

    /// @throws util::SystemError when the directory cannot be created.
    explicit RunDir(std::string_view tag, const std::filesystem::path& root = defaultRoot());
    ~RunDir();
    RunDir(RunDir&& other) noexcept;
    RunDir& operator=(RunDir&& other) noexcept;
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    /// Leaves the directory in place (for debugging); the sweep still removes it later.
    void keep() noexcept;

    /// Name of the file inside a run directory that records its owner.
    static constexpr std::string_view ownerFile = "owner";

private:
    void reset() noexcept;

    std::filesystem::path path_;
    std::uint64_t cleanupId_ = 0;
    bool keep_ = false;
};

/// Creates a qcow2 overlay on top of `backing` with qemu-img: the drill writes to the overlay,
/// the (cached) backing image is never modified.
/// @throws util::SystemError when qemu-img fails.
void createOverlay(const std::filesystem::path& overlay, const std::filesystem::path& backing,
                   std::string_view backingFormat);

} // namespace nixdrill::vm
