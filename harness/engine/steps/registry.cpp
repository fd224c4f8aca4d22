///@file The registry of step families. Adding a family: its file under steps/, its factory in
/// steps.hpp, one line here (docs/architecture.md).
#include "engine/steps/registry.hpp"

namespace nixdrill::engine::steps {

std::vector<FamilyPtr> drillFamilies() {
    std::vector<FamilyPtr> families;
    families.push_back(provisionFamily());
    families.push_back(backupFamily());
    families.push_back(captureFamily());
    families.push_back(dataFamily());
    families.push_back(restoreFamily());
    families.push_back(serviceFamily());
    families.push_back(repositoryFamily());
    families.push_back(metricsFamily());
    families.push_back(retentionFamily());
    families.push_back(faultsFamily());
    families.push_back(postgresFamily());
    families.push_back(zfsFamily());
    families.push_back(writersFamily());
    families.push_back(workloadFamily());
    families.push_back(auditFamily());
    families.push_back(containersFamily());
    return families;
}

const scenario::StepCatalogue& catalogue() {
    // The families' parse-time side only: stateless, so one set serves every scenario.
    static const std::vector<FamilyPtr> families = drillFamilies();
    static const scenario::StepCatalogue syntax = [] {
        scenario::StepCatalogue out;
        for (const auto& f : families) {
            out.push_back(f.get());
        }
        return out;
    }();
    return syntax;
}

drill::StepFamily* familyFor(const std::vector<FamilyPtr>& families, const model::DrillStep& step) {
    for (const auto& family : families) {
        if (family->runs(step)) {
            return family.get();
        }
    }
    return nullptr;
}

} // namespace nixdrill::engine::steps
