///@file What the step families ask of the rendered jobs in the client: their restic
/// environment, data paths, manifests, snapshots and metrics.
#pragma once

#include "engine/drill/context.hpp"
#include "verify/restic.hpp"

#include <set>
#include <string>
#include <vector>

namespace nixdrill::engine::drill {

/// `export RESTIC_REPOSITORY=... RESTIC_PASSWORD_FILE=...; ` (and the job's environment file).
std::string resticEnv(const DrillJob& job);

/// The paths whose content the drill seeds and compares: the PostgreSQL staging dir and
/// pgBackRest's repository are the job's own output (checked by pg-restore), not data.
std::vector<std::string> dataPaths(const DrillJob& job);

/// Writes seeded entries into the client: an archive built on the host (under the guest's run
/// directory, options.hostScratch), unpacked in the guest with owners and modes. Returns its size.
std::size_t unpackSeed(DrillContext& ctx, const std::vector<verify::SeedEntry>& entries);

/// The service a job was registered for (the seed data's key).
std::string serviceOf(const DrillJob& job);

/// The exclude patterns the drill's data follows: the job's own, less those a mutant added to
/// its service's contract (a mutant changes what is backed up, never what the service holds).
std::vector<std::string> dataExcludes(const model::Drill& drill, const DrillJob& job);

/// backup.useSnapshots: restic reads a ZFS snapshot of the job's dataset, not its live paths.
inline bool isSnapshotJob(const DrillJob& job) {
    return !job.zfsDataset.empty();
}

/// " 'unit-a' 'unit-b'": every job unit, for one systemctl transaction.
std::string jobUnits(const DrillPlan& plan);

/// The manifest of `paths` under `root` in the machine.
/// @throws guest::CommandFailed, util::InputError (unreadable manifest), with context
verify::ParsedManifest manifestOf(Machine& m, const std::string& root, const std::vector<std::string>& paths);

/// One argument of a unit file's Exec*= line, as systemd reads it back: in double quotes, with
/// '\\' and '"' escaped, '%' (specifiers) doubled and '$' (environment variables) doubled.
/// @throws util::InputError for a newline, which no unit file line can hold
std::string systemdArgument(const std::string& word);

/// Where a drop-in for `unit` goes: /etc/systemd/system/<unit>.d, or on a guest whose system
/// provides the units (NixOS: /etc is the system's, read-only) /run/systemd/system/<unit>.d.
std::string dropInDir(Machine& m, const std::string& unit);

/// The ids of the snapshots in the job's repository (none when it cannot be listed: no
/// repository yet, which the evidence notes).
std::set<std::string> snapshotIds(DrillContext& ctx, const DrillJob& job);

/// The repository's snapshots with their times (none when it cannot be listed).
std::vector<verify::Snapshot> allSnapshots(DrillContext& ctx, const DrillJob& job);

/// The job's metrics file ("" when it has none or it is missing).
std::string metricsText(Machine& m, const DrillJob& job);

} // namespace nixdrill::engine::drill
