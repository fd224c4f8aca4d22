///@file Golden-file comparison for tests; NIXDRILL_ACCEPT=1 rewrites the expected files.
#pragma once

#include <filesystem>
#include <string>

namespace nixdrill::test {

/// The source tree's root (set by meson as NIXDRILL_SOURCE_ROOT for every test).
std::filesystem::path sourceRoot();

/// Compares `actual` with the file at `relative` (from the source root). With NIXDRILL_ACCEPT=1
/// writes it instead. Returns an empty string when equal, else a message with the first
/// differing line.
std::string compareGolden(const std::filesystem::path& relative, const std::string& actual);

} // namespace nixdrill::test
