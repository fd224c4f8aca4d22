///@file What fault kinds share unless they say otherwise: no parse-time settings, and the
/// `--faults` variant's usual steps around the fault.
#include "faults/kind.hpp"

namespace nixdrill::faults {

namespace {

model::DrillStep step(std::string action, std::string name) {
    model::DrillStep s;
    s.action = std::move(action);
    s.name = std::move(name);
    return s;
}

} // namespace

void FaultKind::parse(const scenario::JsonReader&, const nlohmann::ordered_json&, const std::string&,
                      const model::Drill&, model::Fault&) const {}

void FaultKind::planVariant(model::Drill& d, const model::Fault& fault, std::size_t) const {
    const std::string kindName(name());
    d.steps.clear();
    d.steps.push_back(step("backup", "1-backup"));
    if (!duringBackup()) {
        auto inject = step("inject", "2-fault-" + kindName);
        inject.fault = fault;
        d.steps.push_back(inject);
        return;
    }
    // A day apart, so that keep-daily keeps the first snapshot for the restore after.
    d.steps.push_back(step("advance-clock", "2-advance-clock"));
    auto b = step("backup", "3-fault-" + kindName);
    b.fault = fault;
    d.steps.push_back(b);
    d.steps.push_back(step("advance-clock", "4-advance-clock"));
    d.steps.push_back(step("backup", "5-backup-after-fault"));
    d.steps.push_back(step("verify-repository", "6-check-after-fault"));
    auto earlier = step("restore", "7-restore-earlier");
    earlier.snapshot = "1";
    d.steps.push_back(earlier);
    d.steps.push_back(step("restore", "8-restore-latest"));
}

} // namespace nixdrill::faults
