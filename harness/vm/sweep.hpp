///@file Removing what killed runs left behind: their domains and run directories.
#pragma once

#include "vm/connection.hpp"
#include "vm/run_dir.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace nixdrill::vm {

struct SweepReport {
    std::vector<std::string> destroyedDomains;
    std::vector<std::filesystem::path> removedDirectories;
    /// What could not be cleaned (the sweep goes on after each problem).
    std::vector<std::string> problems;
};

/// Destroys every running nixdrill-* domain whose owner process (from its metadata) is dead and
/// removes its run directory; then removes every nixdrill-* directory under `runRoot` whose
/// owner file names a dead process. Domains and directories of live processes, and domains
/// without nixdrill metadata, are left alone. Only directories directly under `runRoot` named
/// nixdrill-* are ever deleted.
/// @throws LibvirtError when the domains cannot be listed.
SweepReport sweepLeftovers(Connection& connection, const std::filesystem::path& runRoot = RunDir::defaultRoot());

} // namespace nixdrill::vm
