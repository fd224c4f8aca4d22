///@file Deterministic seed data for drills: the same seed always gives the same tree, byte for byte.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nixdrill::verify {

/// What to put under each backed-up path of a service.
struct SeedSpec {
    unsigned files = 20;              ///< regular files per path
    unsigned maxFileSize = 16 * 1024; ///< bytes; sizes are spread from 0 to this
    unsigned depth = 2;               ///< directory nesting below the path
    unsigned symlinks = 2;            ///< relative symlinks to files of the tree
    bool nonAscii = true;             ///< names with non-ASCII characters and spaces
    /// Exclude patterns of the registration: files matching simple ones ("*.ext", "name") are
    /// created so that the drill can prove they are not backed up.
    std::vector<std::string> excludePatterns;
};

enum class SeedKind { File, Directory, Symlink };

struct SeedEntry {
    std::string path; ///< absolute path in the guest
    SeedKind kind = SeedKind::File;
    unsigned mode = 0644;
    unsigned uid = 0;
    unsigned gid = 0;
    std::string content; ///< files
    std::string target;  ///< symlinks
};

/// A small, fast, portable generator (splitmix64): std distributions differ between standard
/// libraries, which would make "the same seed" mean different data on another machine.
class SeedRandom {
public:
    explicit SeedRandom(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    /// Uniform in [0, bound); bound > 0.
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }

private:
    std::uint64_t state_;
};

/// Stable 64-bit hash (FNV-1a) used to derive per-path seeds from the scenario seed.
std::uint64_t stableHash(std::string_view text, std::uint64_t seed = 0);

/// The entries to create under `root` (an absolute guest path) for one seed.
std::vector<SeedEntry> planSeed(const std::string& root, const SeedSpec& spec, std::uint64_t seed);

/// Shell commands (bash) that change a seeded tree deterministically for a second backup:
/// appends to some files, deletes some, creates new ones. Run with `bash -c` in the guest;
/// `prefix` is put before every path (empty in a guest, a scratch root in tests).
std::string mutationScript(const std::vector<SeedEntry>& entries, std::uint64_t seed, const std::string& prefix = "");

/// Writes entries below `hostRoot` (guest paths become hostRoot + path) with their modes and
/// owners, then packs them into a tar archive (numeric owners) at `tarFile`.
/// @throws util::SystemError when a file cannot be written or tar fails.
void writeSeedArchive(const std::vector<SeedEntry>& entries, const std::filesystem::path& hostRoot,
                      const std::filesystem::path& tarFile);

} // namespace nixdrill::verify
