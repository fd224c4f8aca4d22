///@file Fault injection: each fault of the catalogue injects itself into a guest (and, when it
/// is injected for the length of one backup, reverts itself afterwards).
#pragma once

#include "guest/guest.hpp"
#include "model/scenario.hpp"

#include <cstdint>
#include <string>

namespace nixdrill::faults {

/// While this file exists, a scenario's preBackup hook written for the pre-backup-hook-fails
/// fault (`test ! -e /run/nixdrill-fault/pre-backup-hook-fails`) fails.
inline constexpr const char* preBackupMarker = "/run/nixdrill-fault/pre-backup-hook-fails";

/// While this file exists, the drill's probe service units hang in ExecStop (unit-refuses-to-stop);
/// their TimeoutStopSec (probeStopTimeoutSeconds) ends the stop.
inline constexpr const char* unitStopMarker = "/run/nixdrill-fault/unit-refuses-to-stop";
inline constexpr unsigned probeStopTimeoutSeconds = 10;

/// What a fault acts on, inside the guest: one repository and its password file, and the data
/// of the first job that writes to it.
struct Target {
    std::string repository;
    std::string passwordFile;
    std::string dataPath;   ///< the job's first backed-up path (repository-disk-full grows it; io-errors)
    std::string victimFile; ///< io-errors: a non-empty file under dataPath whose reads fail
    std::string job;        ///< the job's name (zfs-stale-snapshot names the snapshot after it)
    std::string zfsDataset; ///< backup.useSnapshots: the dataset the job snapshots ("" otherwise)
};

/// A fault in place: what was done (evidence, no secrets) and how to undo it.
struct Injected {
    std::string description;
    std::string revertCommand; ///< "" when the fault stays (repository corruption)
};

/// Injects `fault` into `target`; which file and which byte are chosen from `seed`, so a drill
/// is repeatable. Wrong password: the file gets `otherSecret` (the caller redacts it).
/// The fault's kind does it (FaultKind::inject); kill-mid-backup and power-loss only add data
/// here: they act on the running job (FaultKind::jobEffect: resticWritingCommand,
/// Guest::powerCycle), which the drill engine orchestrates.
/// @throws guest::CommandFailed when the guest cannot be changed (e.g. no pack file to flip),
///         util::InputError for a kind not in the catalogue, and whatever Guest::exec throws.
Injected inject(guest::Guest& guest, const model::Fault& fault, const Target& target, std::uint64_t seed,
                const std::string& otherSecret, std::chrono::milliseconds timeout);

/// A guest shell command that waits (up to `timeoutSeconds`) until a `restic backup` (the oldest
/// process whose command line matches `processPattern`, pgrep -f) holds its lock in `repository`
/// and has written at least one pack file since taking it, then, when `kill`, SIGKILLs it;
/// otherwise leaves it stopped (SIGSTOP) for what comes next. It prints what it saw and exits 0;
/// 1 when no backup got that far (restic is then let go on).
std::string resticWritingCommand(const std::string& repository, bool kill, unsigned timeoutSeconds,
                                 const std::string& processPattern = "^restic backup");

/// The number of lock files in the repository ("-1" when unreadable).
/// @throws whatever Guest::exec throws.
int lockCount(guest::Guest& guest, const std::string& repository, std::chrono::milliseconds timeout);

/// Undoes a fault injected for one backup.
/// @throws guest::CommandFailed when the revert command fails, and whatever Guest::exec throws.
void revert(guest::Guest& guest, const Injected& injected, std::chrono::milliseconds timeout);

/// A fingerprint of every regular file of the repository (directories are left out: a lock
/// taken and released by a read-only command changes locks/'s time) (relative name, size, modification time), to
/// prove that a run wrote nothing to it.
/// @throws whatever Guest::exec throws.
std::string repositoryFingerprint(guest::Guest& guest, const std::string& repository,
                                  std::chrono::milliseconds timeout);

} // namespace nixdrill::faults
