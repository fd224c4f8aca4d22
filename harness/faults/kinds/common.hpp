///@file What several fault kinds share: guest commands that must succeed, the usual outcomes.
#pragma once

#include "faults/kind.hpp"

namespace nixdrill::faults::kinds {

using guest::shellQuote;

/// @throws guest::CommandFailed "fault injection: ..." when the command fails.
guest::ExecResult must(guest::Guest& guest, const std::string& command, std::chrono::milliseconds timeout);

/// Without trailing newlines and spaces.
std::string trimmed(std::string s);

/// A run that failed with this metrics category: no snapshot, last success kept, units up.
model::FaultExpect failedRun(const char* category);
/// A run that succeeded: category ok, a snapshot, last success advanced, units up.
model::FaultExpect goodRun();

/// 8 MiB of new, incompressible data in the target's data path, so that the backup writes two
/// packs (restic packs are >= 4 MiB) while kill-mid-backup or power-loss acts on it.
Injected growForRunningJob(guest::Guest& guest, const Target& target, std::chrono::milliseconds timeout);

/// zfs-*: the drill needs a ZFS pool (parse time).
void requireZfsPool(const scenario::JsonReader& r, const std::string& p, std::string_view name,
                    const model::Drill& drill);
/// zfs-*: `--faults` needs a pool and a snapshot service.
std::optional<std::string> zfsNotApplicable(const ScenarioFacts& facts);
/// zfs-*: the job must snapshot a dataset.
void requireDataset(std::string_view name, const Target& target);

} // namespace nixdrill::faults::kinds
