///@file The fault matrix (`nixdrill run --faults`): a drill scenario once per applicable fault kind.
#pragma once

#include "model/scenario.hpp"

#include <string>
#include <vector>

namespace nixdrill::engine {

/// Reads `all` or a comma-separated list of fault kinds (catalogue names, each once, in the
/// order given; `all` in catalogue order).
/// @throws util::InputError naming the unknown kind.
std::vector<std::string> parseFaultList(const std::string& list);

struct MatrixResult {
    std::vector<model::Scenario> variants;  ///< one per applicable kind, named `<scenario>@<kind>`
    std::vector<std::string> notApplicable; ///< "<kind>: why", for the run's progress output
};

/// The variants of a drill scenario: its services, backup settings, seed data and guest, with
/// the steps each kind plans around itself (faults::FaultKind::planVariant) and the
/// catalogue's expected outcome. Faults whose outcome is declared per job (everything acting
/// on one job's run) apply to scenarios with exactly one enabled service and no hand-written
/// jobs; a kind may rule itself out further (pre-backup-hook-fails needs a preBackup that tests
/// its marker).
/// @throws util::InputError when the scenario has no drill, or a kind is not in the catalogue.
MatrixResult faultMatrix(const model::Scenario& scenario, const std::vector<std::string>& kinds);

} // namespace nixdrill::engine
