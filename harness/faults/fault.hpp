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

/// What a fault acts on: one repository and its password file, inside the guest.
struct Target {
    std::string repository;
    std::string passwordFile;
};

/// A fault in place: what was done (evidence, no secrets) and how to undo it.
struct Injected {
    std::string description;
    std::string revertCommand; ///< "" when the fault stays (repository corruption)
};

/// Injects `kind` into `target`; which file and which byte are chosen from `seed`, so a drill
/// is repeatable. Wrong password: the file gets `otherSecret` (the caller redacts it).
/// @throws guest::CommandFailed when the guest cannot be changed (e.g. no pack file to flip),
///         and whatever Guest::exec throws.
Injected inject(guest::Guest& guest, model::FaultKind kind, const Target& target, std::uint64_t seed,
                const std::string& otherSecret, std::chrono::milliseconds timeout);

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
