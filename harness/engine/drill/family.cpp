///@file The interface of a step family.
#include "engine/drill/family.hpp"

namespace nixdrill::engine::drill {

std::string StepFamily::caseKind(const model::DrillStep& step) const {
    return "drill:" + step.action;
}

} // namespace nixdrill::engine::drill
