///@file What several fault kinds share.
#include "faults/kinds/common.hpp"

#include "guest/errors.hpp"

namespace nixdrill::faults::kinds {

guest::ExecResult must(guest::Guest& guest, const std::string& command, std::chrono::milliseconds timeout) {
    auto r = guest.exec(command, timeout);
    if (!r.succeeded()) {
        throw guest::CommandFailed("fault injection: " + r.describe());
    }
    return r;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

model::FaultExpect failedRun(const char* category) {
    model::FaultExpect e;
    e.category = category;
    e.status = 0;
    e.lastSuccess = "kept";
    e.unitsRunning = true;
    e.snapshot = false;
    return e;
}

model::FaultExpect goodRun() {
    model::FaultExpect e;
    e.category = "ok";
    e.status = 1;
    e.lastSuccess = "advanced";
    e.unitsRunning = true;
    e.snapshot = true;
    return e;
}

Injected growForRunningJob(guest::Guest& guest, const Target& target, std::chrono::milliseconds timeout) {
    // The fault hits restic while it writes packs (resticWritingCommand): new data makes the
    // backup write some, where unchanged data would be deduplicated and nothing written until
    // the snapshot.
    auto file = target.dataPath + "/nixdrill-fault-growth.bin";
    must(guest, "head -c 8388608 /dev/urandom > " + shellQuote(file), timeout);
    return {"8 MiB of new data in " + file + "; the fault acts on the running job", ""};
}

void requireZfsPool(const scenario::JsonReader& r, const std::string& p, std::string_view name,
                    const model::Drill& drill) {
    if (!drill.zfs) {
        r.fail(p + "/kind",
               std::string(name) + " needs a ZFS pool: set /drill/zfs (and backup.useSnapshots on a service)");
    }
}

std::optional<std::string> zfsNotApplicable(const ScenarioFacts& facts) {
    if (!facts.zfsPool || !facts.snapshotService) {
        return "needs a ZFS pool (/drill/zfs) and a service with backup.useSnapshots";
    }
    return std::nullopt;
}

void requireDataset(std::string_view name, const Target& target) {
    if (target.zfsDataset.empty()) {
        throw guest::CommandFailed("fault " + std::string(name) + ": job " + target.job +
                                   " has no backup.useSnapshots");
    }
}

} // namespace nixdrill::faults::kinds
