///@file kill-mid-backup: restic SIGKILLed while it holds its lock and writes packs.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class KillMidBackup final : public FaultKind {
public:
    std::string_view name() const override { return "kill-mid-backup"; }
    JobEffect jobEffect() const override { return JobEffect::Kill; }
    model::FaultExpect defaultExpectation() const override {
        auto e = failedRun("killed");
        e.lockLeft = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        return growForRunningJob(guest, target, timeout);
    }
};

} // namespace

KindPtr killMidBackup() {
    return std::make_unique<KillMidBackup>();
}

} // namespace nixdrill::faults::kinds
