///@file Manifests of file trees (type, size, sha256, mode, owner, link target) and their comparison.
#pragma once

#include "model/result.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::verify {

enum class EntryType { File, Directory, Symlink, Other };

struct ManifestEntry {
    std::string path; ///< absolute, as seen from the tree's root ("/var/lib/app/x")
    EntryType type = EntryType::Other;
    unsigned mode = 0; ///< permission bits (07777)
    unsigned uid = 0;
    unsigned gid = 0;
    unsigned long long size = 0; ///< files only
    std::string sha256;          ///< files only
    std::string target;          ///< symlinks only

    bool operator==(const ManifestEntry&) const = default;
};

/// Entries by path.
using Manifest = std::map<std::string, ManifestEntry>;

/// The shell script run in a guest to list a tree (GNU find and coreutils). Arguments: ROOT
/// PATH...; it prints NUL-separated records that parseManifest reads. Paths that do not exist
/// are listed as missing so that a vanished directory is a visible difference.
std::string_view manifestScript();

struct ParsedManifest {
    Manifest entries;
    std::vector<std::string> missingRoots; ///< requested paths that did not exist
    /// Files listed but gone before they were hashed (only with allowVanished), dropped.
    std::vector<std::string> vanished;
};

/// The fields of NUL-terminated output (`find -print0`, `sha256sum -z`), empty ones kept.
/// @throws util::InputError "WHAT ends inside a field (truncated?)" when the text does not end
/// with a NUL (cut short).
std::vector<std::string_view> splitNul(std::string_view text, std::string_view what = "manifest output");

/// @throws util::InputError naming the record number when the output is malformed.
/// allowVanished: a live tree listed while something writes (a temporary file renamed away
/// between the listing and the hashing) drops such files into `vanished` instead of failing.
ParsedManifest parseManifest(std::string_view output, bool allowVanished = false);

/// Whether a path is excluded by one restic-style pattern: a pattern without a leading '/'
/// matches at any depth ("*.tmp", "cache/*"), one with it is anchored at the root; '*', '?' and
/// '[...]' match within one path component, '**' matches any number of components; a pattern
/// matching a directory excludes everything below it.
bool isExcluded(std::string_view path, const std::vector<std::string>& patterns);

struct ManifestDifference {
    std::string path;
    std::string what; ///< "missing", "unexpected", "sha256", "size", "mode", "uid", "gid", "type", "target"
    std::string expected;
    std::string actual;
};

/// Every difference between what should be there and what is. Directory sizes are ignored.
std::vector<ManifestDifference> compareManifests(const Manifest& expected, const Manifest& actual);

/// The subset of `manifest` that a backup with these exclude patterns must restore.
Manifest withoutExcluded(const Manifest& manifest, const std::vector<std::string>& patterns);

/// Mismatches (pointer = "/files" + path) for reports.
std::vector<model::Mismatch> toMismatches(const std::vector<ManifestDifference>& differences);

std::string_view toString(EntryType type) noexcept;

} // namespace nixdrill::verify
