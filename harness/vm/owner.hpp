///@file Which process owns a domain or a run directory, and whether that process still lives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace nixdrill::vm {

/// A process, identified so that a recycled pid is not mistaken for it: pid, start time in
/// clock ticks since boot (/proc/<pid>/stat) and the boot id.
struct Owner {
    pid_t pid = 0;
    std::uint64_t startTicks = 0;
    std::string bootId;

    /// The calling process.
    /// @throws util::SystemError when /proc cannot be read.
    static Owner self();

    /// The process with this pid, or nullopt when there is none.
    static std::optional<Owner> of(pid_t pid);

    /// True while this very process runs (same pid, start time and boot).
    bool isAlive() const;

    /// "pid startTicks bootId", the form stored in domain metadata and owner files.
    std::string serialize() const;
    static std::optional<Owner> parse(std::string_view text);

    bool operator==(const Owner&) const = default;
};

} // namespace nixdrill::vm
