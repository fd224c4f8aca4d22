///@file clock-jump: during a backup the guest clock jumps forward (days) before the job runs.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

model::DrillStep step(std::string action, std::string name) {
    model::DrillStep s;
    s.action = std::move(action);
    s.name = std::move(name);
    return s;
}

class ClockJump final : public FaultKind {
public:
    std::string_view name() const override { return "clock-jump"; }
    std::vector<std::string> keys() const override { return {"days"}; }
    void parse(const scenario::JsonReader& r, const nlohmann::ordered_json& f, const std::string& p,
               const model::Drill&, model::Fault& fault) const override {
        if (!f.contains("days")) {
            r.fail(p + "/days", "clock-jump needs how many days the clock jumps forward");
        }
        fault.days = r.number(f, p, "days", 0, 1, 36500);
    }
    model::FaultExpect defaultExpectation() const override {
        model::FaultExpect e;
        e.category = "ok";
        e.snapshot = true;
        e.retentionHolds = true;
        return e;
    }
    /// Two good backups, then the jump of 120 days (past every keep-daily/weekly/monthly of a
    /// usual policy) with the faulted backup, and a restore of it.
    void planVariant(model::Drill& d, const model::Fault& fault, std::size_t) const override {
        d.steps.clear();
        d.steps.push_back(step("backup", "1-backup"));
        d.steps.push_back(step("advance-clock", "2-advance-clock"));
        d.steps.push_back(step("backup", "3-backup"));
        auto jumped = fault;
        jumped.days = 120;
        auto b = step("backup", "4-fault-" + std::string(name()));
        b.fault = jumped;
        d.steps.push_back(b);
        d.steps.push_back(step("restore", "5-restore-latest"));
    }
    Injected inject(guest::Guest& guest, const model::Fault& fault, const Target&, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        auto r =
            must(guest, "date -u -s @$(( $(date +%s) + " + std::to_string(fault.days) + " * 86400 )) +%FT%TZ", timeout);
        return {"guest clock jumped " + std::to_string(fault.days) + " days forward: now " + trimmed(r.out), ""};
    }
};

} // namespace

KindPtr clockJump() {
    return std::make_unique<ClockJump>();
}

} // namespace nixdrill::faults::kinds
