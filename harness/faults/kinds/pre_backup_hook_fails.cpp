///@file pre-backup-hook-fails: during a backup a marker file exists that the scenario's preBackup
/// hook tests (a dump that cannot be made).
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class PreBackupHookFails final : public FaultKind {
public:
    std::string_view name() const override { return "pre-backup-hook-fails"; }
    std::optional<std::string> whyNotApplicable(const ScenarioFacts& facts) const override {
        if (!facts.markerHook) {
            return "no service's preBackup tests " + std::string(preBackupMarker);
        }
        return std::nullopt;
    }
    model::FaultExpect defaultExpectation() const override {
        auto e = failedRun("prepare_failed");
        e.repositoryUnchanged = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target&, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        must(guest, "mkdir -p /run/nixdrill-fault && touch " + std::string(preBackupMarker), timeout);
        return {"created " + std::string(preBackupMarker) + ": the preBackup hook fails",
                "rm -f " + std::string(preBackupMarker)};
    }
};

} // namespace

KindPtr preBackupHookFails() {
    return std::make_unique<PreBackupHookFails>();
}

} // namespace nixdrill::faults::kinds
