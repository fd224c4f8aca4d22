///@file The drill: boot a guest, run the rendered backup jobs in it, restore and verify.
#pragma once

#include "engine/drill/plan.hpp"

#include <vector>

namespace nixdrill::engine {

/// Runs every step of the scenario's drill in `guest` (not started yet: the first case boots
/// and provisions it). One case per step, classname = scenario; a Broken step skips the rest.
/// Never throws for guest or step failures: they become Failed or Broken cases with evidence
/// (secrets redacted). The caller destroys the guest.
std::vector<model::CaseResult> runDrill(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& guest,
                                        const DrillOptions& options);

} // namespace nixdrill::engine
