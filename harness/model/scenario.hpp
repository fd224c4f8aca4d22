///@file A scenario: service contracts plus what evaluating them must produce.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::model {

/// The scenario format version this harness reads (see docs/scenario-format.md).
inline constexpr const char* scenarioFormat = "nixdrill-scenario/1";

/// What a drill step does (docs/drill-format.md).
enum class StepAction {
    Backup,           ///< run every rendered job through systemd, in the module's order
    Mutate,           ///< change the live data deterministically (for a second, different snapshot)
    Damage,           ///< delete and corrupt live data, as an incident would
    Restore,          ///< restore a snapshot to a scratch directory or in place, then compare manifests
    VerifyRepository, ///< restic check, and check --read-data-subset
    CheckMetrics,     ///< the jobs' .prom files exist, pass promtool and say the backup succeeded
    AdvanceClock,     ///< move the guest clock forward (daily backups on one afternoon)
    Inject,           ///< inject a fault between steps (repository corruption), see FaultKind
};

/// The faults of the catalogue (docs/drill-format.md, "Faults").
enum class FaultKind {
    WrongPassword,      ///< during a backup: the password file holds another secret
    RepositoryMissing,  ///< during a backup: an empty read-only file system hides the repository
    PreBackupHookFails, ///< during a backup: a marker file the scenario's preBackup tests exists
    BitFlip,            ///< inject: one byte of the largest pack file flipped
    DeleteIndex,        ///< inject: one index file removed
};

/// What a fault must lead to; unset fields are not checked.
struct FaultExpect {
    std::optional<std::string> category;     ///< metrics category of the job's run (fatal, ok, ...)
    std::optional<int> status;               ///< restic_backup_status
    std::optional<std::string> lastSuccess;  ///< "kept" or "advanced"
    std::optional<bool> unitsRunning;        ///< the job's systemdUnits active afterwards
    std::optional<bool> snapshot;            ///< the run made a new snapshot
    std::optional<bool> repositoryUnchanged; ///< no file of the repository added, removed or changed
    std::optional<bool> checkDetects;        ///< restic check --read-data fails after the injection
    std::optional<bool> restoreFails;        ///< restoring the latest snapshot fails after the injection
};

struct Fault {
    FaultKind kind = FaultKind::WrongPassword;
    FaultExpect expect;
};

struct DrillStep {
    StepAction action = StepAction::Backup;
    std::string name; ///< test case name; defaults to "<index>-<action>"
    /// Restore: "latest" or the 1-based number of the backup step whose snapshots to restore.
    std::string snapshot = "latest";
    bool inPlace = false;            ///< Restore: into the live paths instead of a scratch directory
    std::string readDataSubset = ""; ///< VerifyRepository: e.g. "25%" or "1/5"; empty = metadata only
    unsigned days = 1;               ///< AdvanceClock: how far
    /// Backup: the fault injected during this backup; Inject: the fault injected.
    std::optional<Fault> fault;
};

/// Deterministic data put under each backed-up path of a service before the first backup.
struct SeedData {
    unsigned files = 20;
    unsigned maxFileSize = 16 * 1024;
    unsigned depth = 2;
    unsigned symlinks = 2;
    bool nonAscii = true;
};

struct Drill {
    std::string guest = "debian"; ///< guest kind: "debian" (systemd, built from Debian packages)
    std::uint64_t seed = 1;
    unsigned memoryMiB = 1024;
    unsigned vcpus = 1;
    std::map<std::string, SeedData> data; ///< by service; registered services not named get defaults
    std::vector<DrillStep> steps;
    unsigned bootTimeoutSeconds = 300;
    unsigned stepTimeoutSeconds = 900;
};

struct Scenario {
    std::string name;  ///< unique within a run
    std::string group; ///< JUnit suite: the directory the file is in, relative to the root given
    std::string file;  ///< path of the file it was read from
    std::string description;
    /// Service contracts, `qgroget.serviceModules` as a JSON object.
    nlohmann::ordered_json services = nlohmann::ordered_json::object();
    /// `modules.backup` settings for the backup module; absent: the collector alone is checked.
    std::optional<nlohmann::ordered_json> backup;
    /// Container tar backups by name: `{ serviceName; dataPaths; user; group; backupConfig; }`.
    std::optional<nlohmann::ordered_json> containers;
    /// Expected outputs by section ("collector", "backup"); each present section is compared exactly.
    std::optional<nlohmann::ordered_json> expect;
    /// A VM drill: boot a guest, run the rendered jobs, restore and verify (needs `backup`).
    std::optional<Drill> drill;
    /// Substrings the evaluation error must contain; non-empty means evaluation must fail.
    std::vector<std::string> expectError;
    /// The whole document as read, so golden updates rewrite it without losing anything.
    nlohmann::ordered_json document;
};

} // namespace nixdrill::model
