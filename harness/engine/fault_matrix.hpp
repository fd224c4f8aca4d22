///@file The fault matrix (`nixdrill run --faults`): a drill scenario once per applicable fault kind.
#pragma once

#include "model/scenario.hpp"

#include <string>
#include <vector>

namespace nixdrill::engine {

/// The outcome the catalogue declares for a fault when a scenario does not (docs/drill-format.md).
model::FaultExpect defaultExpectation(model::FaultKind kind);

/// Every fault kind, in catalogue order.
std::vector<model::FaultKind> allFaultKinds();

/// Reads `all` or a comma-separated list of fault kinds.
/// @throws util::InputError naming the unknown kind.
std::vector<model::FaultKind> parseFaultList(const std::string& list);

struct MatrixResult {
    std::vector<model::Scenario> variants;  ///< one per applicable kind, named `<scenario>@<kind>`
    std::vector<std::string> notApplicable; ///< "<kind>: why", for the run's progress output
};

/// The variants of a drill scenario: its services, backup settings, seed data and guest, with
/// steps that put the fault where it belongs (during a backup between two good ones, with
/// restores of the snapshots around it; or injected after a backup) and the catalogue's
/// expected outcome. Faults whose outcome is declared per job (everything acting on one job's
/// run) apply to scenarios with exactly one enabled service and no hand-written jobs;
/// pre-backup-hook-fails needs a preBackup that tests its marker.
/// @throws util::InputError when the scenario has no drill.
MatrixResult faultMatrix(const model::Scenario& scenario, const std::vector<model::FaultKind>& kinds);

} // namespace nixdrill::engine
