///@file The registry of step families: which families a drill has, in the order their hooks run.
#pragma once

#include "engine/steps/steps.hpp"
#include "scenario/step_syntax.hpp"

#include <vector>

namespace nixdrill::engine::steps {

/// A fresh object of every family, for one drill. The order matters where families take part
/// in each other's steps: provisioning first; around a backup PostgreSQL, then ZFS, then writers.
std::vector<FamilyPtr> drillFamilies();

/// What the scenario parser asks of the families (their step kinds, keys and rules), in
/// registry order; valid for the whole process.
const scenario::StepCatalogue& catalogue();

/// The family that runs `step`, or nullptr.
drill::StepFamily* familyFor(const std::vector<FamilyPtr>& families, const model::DrillStep& step);

} // namespace nixdrill::engine::steps
