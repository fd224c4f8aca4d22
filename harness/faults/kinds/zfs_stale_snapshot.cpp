///@file zfs-stale-snapshot: during a backup a snapshot named like the job's, left by a crashed run.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class ZfsStaleSnapshot final : public FaultKind {
public:
    std::string_view name() const override { return "zfs-stale-snapshot"; }
    void parse(const scenario::JsonReader& r, const nlohmann::ordered_json&, const std::string& p,
               const model::Drill& drill, model::Fault&) const override {
        requireZfsPool(r, p, name(), drill);
    }
    std::optional<std::string> whyNotApplicable(const ScenarioFacts& facts) const override {
        return zfsNotApplicable(facts);
    }
    model::FaultExpect defaultExpectation() const override {
        return goodRun(); // the job's prepare destroys snapshots named like its own before taking one
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        requireDataset(name(), target);
        // Named like the job's own, from a run that crashed before its cleanup (years ago).
        auto snapshot = target.zfsDataset + "@nixdrill-" + target.job + "-20000101T000000Z";
        must(guest, "zfs snapshot " + shellQuote(snapshot), timeout);
        return {"left a stale snapshot " + snapshot + " (as a crashed run would)", ""};
    }
};

} // namespace

KindPtr zfsStaleSnapshot() {
    return std::make_unique<ZfsStaleSnapshot>();
}

} // namespace nixdrill::faults::kinds
