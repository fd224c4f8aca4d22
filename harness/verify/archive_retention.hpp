///@file What a container backup's destinations must hold: its archives, after the script's
/// retention (age limit, then the newest N by name) ran at the end of every backup.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace nixdrill::verify {

/// One run of a container backup, as the drill saw it (guest wall-clock seconds).
struct ArchiveRun {
    std::string archive;   ///< the file it wrote: <name>-backup-<UTC YYYYmmdd-HHMMSS>.<format>
    double madeAt = 0;     ///< when it was written (its copies' mtime, within the run)
    double retainedAt = 0; ///< when retention ran (the end of the run)
};

struct ArchivePolicy {
    unsigned maxRetentionDays = 0;   ///< 0: no age limit
    unsigned retentionSnapshots = 0; ///< 0: keep all
};

struct ArchiveExpectation {
    std::set<std::string> kept;
    /// Archives whose age was within `margin` of the age limit when a retention ran: whether
    /// `find -mmin` deleted them depends on seconds the drill cannot see (choose other days).
    std::vector<std::string> undecidable;
};

/// Replays the policy over the runs in order: after each run, archives older than the limit
/// go, then all but the newest `retentionSnapshots` (names sort chronologically); a run that
/// reuses a name (two runs in one second) replaces that archive.
ArchiveExpectation expectedArchives(const std::vector<ArchiveRun>& runs, const ArchivePolicy& policy,
                                    double margin = 120);

} // namespace nixdrill::verify
