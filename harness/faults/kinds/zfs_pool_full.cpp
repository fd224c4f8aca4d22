///@file zfs-pool-full: during a backup the job's ZFS pool is filled up before its snapshot.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class ZfsPoolFull final : public FaultKind {
public:
    std::string_view name() const override { return "zfs-pool-full"; }
    void parse(const scenario::JsonReader& r, const nlohmann::ordered_json&, const std::string& p,
               const model::Drill& drill, model::Fault&) const override {
        requireZfsPool(r, p, name(), drill);
    }
    std::optional<std::string> whyNotApplicable(const ScenarioFacts& facts) const override {
        return zfsNotApplicable(facts);
    }
    model::FaultExpect defaultExpectation() const override {
        // Measured: `zfs snapshot` fails with "out of space" on a full pool, so the prepare fails.
        auto e = failedRun("prepare_failed");
        e.repositoryUnchanged = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        requireDataset(name(), target);
        // A dataset of its own takes every free byte (uncompressed zeros until ENOSPC), so the
        // job's data stays as it was and the fault is undone by destroying the filler.
        auto pool = target.zfsDataset.substr(0, target.zfsDataset.find('/'));
        auto fill = shellQuote(pool + "/nixdrill-fault-fill");
        auto r = must(guest,
                      "set -e; zfs create -o compression=off -o mountpoint=/var/lib/nixdrill-fault/zfs-fill " + fill +
                          "\ndd if=/dev/zero of=/var/lib/nixdrill-fault/zfs-fill/filler bs=1M status=none 2>/dev/null"
                          " || true\nsync\nzfs list -Hp -o avail " +
                          shellQuote(pool),
                      timeout);
        return {"pool " + pool + " filled up (" + trimmed(r.out) + " bytes available)", "zfs destroy -r " + fill};
    }
};

} // namespace

KindPtr zfsPoolFull() {
    return std::make_unique<ZfsPoolFull>();
}

} // namespace nixdrill::faults::kinds
