///@file The unprotected-state audit: files a host wrote that no declared path (persisted or
/// backed up) and no volatile or allowed place covers, grouped by directory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::verify {

/// Whether `path` is `root` or lies below it (whole components: /srv/a is not under /srv/ab).
bool isUnder(std::string_view path, std::string_view root);

/// Files written in one directory that nothing covers.
struct UnprotectedGroup {
    std::string directory;
    std::vector<std::string> files; ///< their names, sorted
};

/// The written files (absolute paths) that lie under neither a `declared` path nor an
/// `allowed` one, grouped by their directory; groups and names sorted.
std::vector<UnprotectedGroup> unprotectedState(const std::vector<std::string>& written,
                                               const std::vector<std::string>& declared,
                                               const std::vector<std::string>& allowed);

/// One line per group, "DIR: N file(s) (a, b, c, ...)", at most `maxGroups` lines and then
/// "... and K more directories".
std::string describeUnprotected(const std::vector<UnprotectedGroup>& groups, std::size_t maxGroups = 20);

/// Why an allow-list entry cannot be used ("" when it can): it must be an absolute, normalised
/// path (no empty, "." or ".." component, no trailing '/').
std::string allowEntryProblem(std::string_view entry);

} // namespace nixdrill::verify
