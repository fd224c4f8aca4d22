///@file power-loss: the domain is destroyed (a power cut) while restic writes, and booted again.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class PowerLoss final : public FaultKind {
public:
    std::string_view name() const override { return "power-loss"; }
    JobEffect jobEffect() const override { return JobEffect::PowerCut; }
    void parse(const scenario::JsonReader& r, const nlohmann::ordered_json&, const std::string& p,
               const model::Drill& drill, model::Fault&) const override {
        if (drill.repositoryDiskMiB > 0) {
            r.fail(p + "/kind", "power-loss cannot be combined with /drill/repositoryDiskMiB (the loop-mounted "
                                "repository disk is not mounted again at boot)");
        }
    }
    std::optional<std::string> whyNotApplicable(const ScenarioFacts& facts) const override {
        if (facts.repositoryDiskMiB > 0) {
            return "the scenario's repository disk is not mounted again at boot";
        }
        return std::nullopt;
    }
    model::FaultExpect defaultExpectation() const override {
        model::FaultExpect e;
        e.lastSuccess = "kept";
        e.unitsRunning = true;
        e.snapshot = false;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        return growForRunningJob(guest, target, timeout);
    }
};

} // namespace

KindPtr powerLoss() {
    return std::make_unique<PowerLoss>();
}

} // namespace nixdrill::faults::kinds
