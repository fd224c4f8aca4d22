///@file What a drill runs: the rendered jobs of a scenario's evaluation, and the drill's options.
#pragma once

#include "guest/guest.hpp"
#include "model/result.hpp"
#include "model/scenario.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::engine {

/// One rendered backup job, as much of it as the drill needs.
struct DrillJob {
    std::string name;
    std::string source;             ///< the service it was registered for ("" for a hand-written job)
    std::string unit;               ///< restic-backups-<job>.service
    std::vector<std::string> after; ///< units this job must run after (rendered ordering)
    std::vector<std::string> paths;
    std::vector<std::string> exclude;
    std::vector<std::string> systemdUnits; ///< stopped during the backup
    std::string repository;
    std::string passwordFile;
    std::string environmentFile;         ///< "" when none
    std::string metricsFile;             ///< "" when metrics are off
    std::vector<std::string> forgetArgs; ///< the --keep-* arguments of its forget --prune (pruneArgs)
    /// backup.postgres: databases dumped by the job's prepare step (empty: none).
    std::vector<std::string> pgDatabases;
    std::string pgUser;      ///< OS user the PostgreSQL tools run as
    std::string pgDumpDir;   ///< the staging dir of the dumps (one of `paths`; not seeded)
    std::string restoreFile; ///< the rendered restore-<job>.sh ("" when the job has none)
    /// The contract's postRestore: restoreFile is then the in-place restore (nix/lib/restore.nix),
    /// not PostgreSQL's.
    bool postRestore = false;
    std::string pitrFile;                    ///< the rendered pitr-<job>.sh (pgBackRest enabled; "" otherwise)
    std::string healthFile;                  ///< the rendered health-<job>.sh (readiness checks; "" when none)
    std::vector<std::string> healthServices; ///< the services whose healthCheck it runs
    int healthTimeout = 0;                   ///< the longest of their timeouts (seconds)
    std::string pgStanza;                    ///< pgBackRest's stanza ("" when pgBackRest is off)
    std::string pgRepoPath;                  ///< pgBackRest's repository (one of `paths`; not seeded)
    /// backup.useSnapshots: the dataset the job snapshots ("" when it backs up the live paths).
    std::string zfsDataset;
};

/// One rendered container backup (nix/lib/container.nix's settings): its script stops
/// `serviceName`, archives `dataPaths` and copies the archive to every destination.
struct DrillContainerBackup {
    std::string name;
    std::string unit;        ///< <name>-backup.service
    std::string serviceName; ///< the unit stopped while the archive is made
    std::vector<std::string> dataPaths;
    std::vector<std::string> destinations;
    std::string format;              ///< tar.gz, tar.xz, tar.bz2 or zip
    std::string owner;               ///< user:group of every archive
    std::string fileMode;            ///< e.g. "0640"
    unsigned maxRetentionDays = 0;   ///< 0: no age limit
    unsigned retentionSnapshots = 0; ///< 0: keep all
};

/// What the evaluation rendered for a drill: the jobs in order and the files to install.
struct DrillPlan {
    std::vector<DrillJob> jobs;                   ///< in the module's job order
    std::map<std::string, std::string> files;     ///< run-<job>.sh, <name>-backup.sh and unit files by name
    std::vector<DrillContainerBackup> containers; ///< enabled container backups, by name
    /// The collector's persistence: every enabled contract's dataDir and backupPaths (what an
    /// Impermanence host keeps), in its order; empty when the evaluation has no collector.
    std::vector<std::string> persistence;
};

/// Reads the evaluation's `backup` output (renderBackups) into a plan.
/// @throws util::InputError naming the JSON pointer when something a drill needs is missing.
DrillPlan planFromEvaluation(const nlohmann::json& value);

struct DrillOptions {
    /// Called once per finished step case (progress lines).
    std::function<void(const model::CaseResult&)> onCase;
    /// The guest's serial console tail, attached to Broken steps.
    std::function<std::string()> consoleTail;
    /// A seam for tests that must prove a check can fail: runs after each restore, before its
    /// manifest is compared, with the restored root ("/" for in-place restores).
    std::function<void(guest::Guest&, const std::string& restoredRoot)> afterRestore;
    /// The drill must end by then (the run's --deadline, the scenario's /drill/timeouts/drill):
    /// every step's guest commands are cut to it; when it passes, the current step is Broken with
    /// what it was waiting for and the remaining steps are Skipped. nullopt: no deadline.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    /// How messages name the deadline, e.g. "the run deadline (--deadline 600 s)".
    std::string deadlineWhat = "the deadline";
    /// Host tools (promtool) are looked up on PATH.
    std::string promtool = "promtool";
    /// A host directory that lives as long as the drill's guest and that the next run's sweep
    /// removes when this process is killed (the guest's run directory); the drill's host-side
    /// temporaries (the seed archive) go there. Asked once the guest has started; unset or ""
    /// means the system's temporary directory.
    std::function<std::filesystem::path()> hostScratch;
};

} // namespace nixdrill::engine
