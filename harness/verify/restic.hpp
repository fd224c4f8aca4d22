///@file restic for drills against production repositories: read-only by construction.
#pragma once

#include "util/process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::verify {

/// What a read-only drill may ask of restic. There is no way to express backup, forget, prune,
/// unlock, init, key, tag, rebuild-index, repair or migrate through this type.
enum class ReadOperation { Snapshots, List, Restore, Check };

struct Snapshot {
    std::string id;
    std::string time; ///< RFC 3339, as restic prints it
    std::vector<std::string> paths;
    std::string hostname;
};

struct SnapshotNode {
    std::string path; ///< inside the snapshot, e.g. "/data/a"
    std::string type; ///< file, dir, symlink...
    std::uint64_t size = 0;
    unsigned mode = 0; ///< permission bits
};

struct ResticRepository {
    std::string url;
    std::filesystem::path passwordFile;
    std::optional<std::filesystem::path> environmentFile;
};

/// Refuses (throws util::InputError) any restic argument vector whose command writes to a
/// repository or removes locks. Applied to every command a ReadOnlyRestic runs.
void assertReadOnly(const std::vector<std::string>& args);

class ReadOnlyRestic {
public:
    /// @throws util::InputError when the environment file cannot be read.
    explicit ReadOnlyRestic(ResticRepository repository, std::string restic = "restic");

    /// The arguments for an operation (without the program), for tests and messages.
    static std::vector<std::string> arguments(ReadOperation op, const std::vector<std::string>& extra);

    /// Runs one operation with `--no-lock` (a drill neither takes nor removes locks).
    /// @throws util::SystemError / util::TimeoutError when restic cannot be run.
    util::ProcessResult run(ReadOperation op, const std::vector<std::string>& extra,
                            std::chrono::milliseconds deadline = std::chrono::minutes(30)) const;

    /// @throws util::SystemError when restic fails or prints something that is not a snapshot list.
    std::vector<Snapshot> snapshots() const;
    /// @throws util::SystemError as snapshots().
    std::vector<SnapshotNode> list(const std::string& snapshotId) const;

private:
    ResticRepository repository_;
    std::string restic_;
    std::map<std::string, std::string> environment_;
};

/// Parses `restic snapshots --json`. @throws util::InputError naming what is wrong.
std::vector<Snapshot> parseSnapshots(const std::string& json);
/// Parses `restic ls --json` (one JSON object per line). @throws util::InputError with the line.
std::vector<SnapshotNode> parseNodes(const std::string& jsonLines);

} // namespace nixdrill::verify
