///@file SIGINT/SIGTERM/SIGHUP: destroy this process's domains and run directories, then die.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace nixdrill::vm {

/// Installs handlers for SIGINT, SIGTERM and SIGHUP. On the first such signal a helper thread
/// destroys every owned Domain and removes every RunDir still alive in this process, then the
/// process dies by that signal (a second signal kills it at once). Idempotent. SIGKILL cannot
/// be caught: sweepLeftovers() in a later run covers it.
/// @throws util::SystemError when the pipe or thread cannot be created.
void installSignalCleanup();

namespace detail {

/// Registry of what the signal cleanup removes; Domain and RunDir register themselves.
std::uint64_t registerDomain(const std::string& uri, const std::string& name);
std::uint64_t registerDirectory(const std::filesystem::path& path);
void unregister(std::uint64_t id) noexcept;

/// Destroys/removes everything registered (what the signal thread does) and returns how many
/// entries it handled. Never throws.
std::size_t cleanupRegistered() noexcept;

} // namespace detail

} // namespace nixdrill::vm
