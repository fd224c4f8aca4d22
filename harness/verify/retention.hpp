///@file An independent model of restic's `forget --keep-*` policy: which snapshots survive.
#pragma once

#include "verify/restic.hpp"

#include <set>
#include <string>
#include <vector>

namespace nixdrill::verify {

/// The --keep-* counts of a forget policy (0: the rule is off).
struct RetentionPolicy {
    unsigned last = 0;
    unsigned hourly = 0;
    unsigned daily = 0;
    unsigned weekly = 0;
    unsigned monthly = 0;
    unsigned yearly = 0;
};

/// Reads `--keep-last N`, `--keep-hourly N`, ... (as separate arguments or `--keep-daily=N`).
/// @throws util::InputError for any other argument (keep-within, keep-tag, group-by...): the
///         model would not know what restic keeps.
RetentionPolicy parseRetention(const std::vector<std::string>& forgetArgs);

/// The ids of the snapshots the policy keeps. Snapshots are grouped as restic's default
/// `--group-by host,paths` does; within a group they are walked newest first and each rule
/// keeps a snapshot when its bucket (the snapshot's own wall-clock hour, day, ISO week, month,
/// year; or its position for keep-last) differs from the last one that rule kept and the
/// rule has count left. A policy with every rule off keeps everything.
/// @throws util::InputError when a snapshot's time is not RFC 3339.
std::set<std::string> retainedSnapshots(const std::vector<Snapshot>& snapshots, const RetentionPolicy& policy);

} // namespace nixdrill::verify
