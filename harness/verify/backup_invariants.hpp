///@file Properties every rendered backup (modules.backup) must have, checked on every scenario.
#pragma once

#include "model/result.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace nixdrill::verify {

/// Checks the backup module's output (`{ ok; jobs; jobOrder; metricsFiles; ... }`) against the
/// collector output it came from and the scenario's settings: one job per registration, known
/// repositories, acyclic ordering consistent with priorities, every stopped unit started again
/// in the cleanup, unique metrics files. Violations point under /backup.
std::vector<model::Mismatch> checkBackupInvariants(const nlohmann::json& settings, const nlohmann::json& collector,
                                                   const nlohmann::json& backup);

} // namespace nixdrill::verify
