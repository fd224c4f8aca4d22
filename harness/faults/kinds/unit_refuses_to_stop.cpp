///@file unit-refuses-to-stop: during a backup a service unit's stop hangs past its TimeoutStopSec.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class UnitRefusesToStop final : public FaultKind {
public:
    std::string_view name() const override { return "unit-refuses-to-stop"; }
    model::FaultExpect defaultExpectation() const override { return goodRun(); }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target&, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        must(guest, "mkdir -p /run/nixdrill-fault && touch " + std::string(unitStopMarker), timeout);
        return {"created " + std::string(unitStopMarker) + ": the service units' ExecStop hangs (TimeoutStopSec=" +
                    std::to_string(probeStopTimeoutSeconds) + "s)",
                "rm -f " + std::string(unitStopMarker)};
    }
};

} // namespace

KindPtr unitRefusesToStop() {
    return std::make_unique<UnitRefusesToStop>();
}

} // namespace nixdrill::faults::kinds
