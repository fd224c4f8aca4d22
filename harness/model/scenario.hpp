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
    std::optional<bool> lockLeft;            ///< a lock file is left in the repository after the run
    /// The repository's snapshots after the run are exactly those the job's retention policy
    /// keeps, computed by the harness (verify/retention), not by restic.
    std::optional<bool> retentionHolds;
};

struct Fault {
    /// Its kind in the fault catalogue ("kill-mid-backup"; harness/faults/kinds, docs/drill-format.md).
    std::string kind;
    FaultExpect expect;
    unsigned days = 0; ///< ClockJump: how far forward
};

struct DrillStep {
    /// The step's kind ("backup", "restore", "pg-seed", ...): the family that runs it registers
    /// it (harness/engine/steps, docs/drill-format.md).
    std::string action = "backup";
    std::string name; ///< test case name; defaults to "<index>-<action>"
    /// Restore: "latest" or the 1-based number of the backup step whose snapshots to restore.
    std::string snapshot = "latest";
    bool inPlace = false;            ///< Restore: into the live paths instead of a scratch directory
    std::string readDataSubset = ""; ///< VerifyRepository: e.g. "25%" or "1/5"; empty = metadata only
    unsigned days = 1;               ///< AdvanceClock: how far
    unsigned rows = 1000;            ///< PgSeed: rows generated per database
    /// Backup: a writer inserts rows into every database of the jobs for the whole backup.
    bool pgWriter = false;
    /// Backup: a writer appends records to files in each job's first path for the whole backup
    /// (drill.zfs scenarios; restore steps check its invariant: one consistent point).
    bool fileWriter = false;
    /// Backup: the fault injected during this backup; Inject: the fault injected.
    std::optional<Fault> fault;
    /// How often the step may run again after a Failed or Broken attempt (0: never). Only for
    /// steps that are safe to repeat; a pass after a retry is reported as flaky.
    unsigned retries = 0;
    /// The step's object as written: a family's own keys for kinds without fields here.
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
};

/// Deterministic data put under each backed-up path of a service before the first backup.
struct SeedData {
    unsigned files = 20;
    unsigned maxFileSize = 16 * 1024;
    unsigned depth = 2;
    unsigned symlinks = 2;
    bool nonAscii = true;
};

/// A ZFS pool the drill creates in the guest (a file vdev), with its datasets mounted at their
/// default mountpoints (/<dataset>). Needs the systemd-zfs guest image.
struct ZfsPool {
    std::string pool = "tank";
    unsigned sizeMiB = 256;
    std::vector<std::string> datasets; ///< created with `zfs create -p`, e.g. "tank/app"
};

/// A container the drill runs under podman in the guest, as NixOS's
/// virtualisation.oci-containers does: unit podman-<name>.service runs `podman run` of the
/// drill's local busybox image (docs/drill-format.md, Containers).
struct PodmanContainer {
    std::string name;
    std::vector<std::string> cmd; ///< the container's command in that image
    /// Named volumes and where the container mounts them ("site" -> "/srv"), in order.
    std::vector<std::pair<std::string, std::string>> volumes;
    /// The container serves the files of volume `httpVolume` at http://127.0.0.1:<httpPort>/<path>
    /// (its cmd runs an HTTP server on the host network); 0: it serves nothing the drill asks.
    unsigned httpPort = 0;
    std::string httpVolume;

    std::string unit() const { return "podman-" + name + ".service"; }
};

struct Drill {
    /// guest kind: "debian" (systemd, built from Debian packages) or "nixos" (the scenario's NixOS
    /// system, built by flake.nix)
    std::string guest = "debian";
    std::uint64_t seed = 1;
    unsigned memoryMiB = 1024;
    unsigned vcpus = 1;
    std::map<std::string, SeedData> data; ///< by service; registered services not named get defaults
    std::vector<DrillStep> steps;
    /// When non-zero, every repository lives on its own file system of this size (a loop
    /// device in the guest), so that it can fill up without filling the guest's root.
    unsigned repositoryDiskMiB = 0;
    unsigned bootTimeoutSeconds = 300;
    unsigned stepTimeoutSeconds = 900;
    /// The whole drill's deadline from its start (0: only the run's); see docs/drill-format.md.
    unsigned drillTimeoutSeconds = 0;
    /// The guest gets a NIC on the isolated libvirt network (no route out); default: no NIC.
    bool network = false;
    /// A ZFS pool in the guest (the systemd-zfs image); nullopt: none.
    std::optional<ZfsPool> zfs;
    /// Services of the guest's own packages that the drill enables and starts at provisioning,
    /// before the contract's units (a database server the contract's hooks talk to).
    std::vector<std::string> units;
    /// Containers run under podman (the guest's podman; the Debian guest only), by name order.
    std::vector<PodmanContainer> podman;
    /// Units the host runs that no contract of the scenario lists (a mutant's dropped
    /// systemdUnit): provisioned as probe units all the same, stopped by no job. Not read
    /// from scenario files.
    std::vector<std::string> extraProbes;
    /// Skip the steps after the first Failed one (a mutant: one failure is its verdict, the
    /// rest would only spend time). Not read from scenario files.
    bool stopAtFirstFailure = false;
    /// Per service, the exclude patterns a mutant added to its contract: the drill's data (what
    /// it seeds, damages and expects back) stays the unmutated contract's. Not read from files.
    std::map<std::string, std::vector<std::string>> mutantExcludes;
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
    /// A VM drill: boot a guest, run the rendered jobs, restore and verify (needs `backup` or
    /// `containers`).
    std::optional<Drill> drill;
    /// Substrings the evaluation error must contain; non-empty means evaluation must fail.
    std::vector<std::string> expectError;
    /// The whole document as read, so golden updates rewrite it without losing anything.
    nlohmann::ordered_json document;
};

} // namespace nixdrill::model
