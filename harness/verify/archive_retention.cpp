///@file The container backups' retention replayed over a drill's runs.
#include "verify/archive_retention.hpp"

#include <cmath>
#include <map>

namespace nixdrill::verify {

ArchiveExpectation expectedArchives(const std::vector<ArchiveRun>& runs, const ArchivePolicy& policy, double margin) {
    ArchiveExpectation out;
    std::map<std::string, double> present; // by name: sorted chronologically
    for (const auto& run : runs) {
        present[run.archive] = run.madeAt;
        if (policy.maxRetentionDays > 0) {
            const double limit = policy.maxRetentionDays * 86400.0;
            for (auto it = present.begin(); it != present.end();) {
                double age = run.retainedAt - it->second;
                if (std::fabs(age - limit) < margin) {
                    out.undecidable.push_back(it->first);
                }
                it = age > limit ? present.erase(it) : std::next(it);
            }
        }
        if (policy.retentionSnapshots > 0) {
            while (present.size() > policy.retentionSnapshots) {
                present.erase(present.begin());
            }
        }
    }
    for (const auto& [name, at] : present) {
        out.kept.insert(name);
    }
    return out;
}

} // namespace nixdrill::verify
