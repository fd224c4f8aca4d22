///@file Fault matrix variants and the catalogue's default expectations.
#include "engine/fault_matrix.hpp"

#include "faults/fault.hpp"
#include "scenario/drill_parser.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <optional>

namespace nixdrill::engine {

using model::FaultKind;

namespace {

bool duringBackup(FaultKind kind) {
    return kind != FaultKind::BitFlip && kind != FaultKind::DeleteIndex;
}

/// The repository disk of a disk-full variant: the seeded data, its growth and restic's
/// overhead must fit, so that only the fault fills it.
unsigned repositoryDiskFor(const model::Drill& drill, std::size_t services) {
    unsigned long long bytes = 0;
    for (const auto& [name, d] : drill.data) {
        bytes += static_cast<unsigned long long>(d.files) * d.maxFileSize;
    }
    bytes += (services > drill.data.size() ? services - drill.data.size() : 0) * 20ULL * 16 * 1024;
    return static_cast<unsigned>(std::max<unsigned long long>(24, 16 + 2 * bytes / (1024 * 1024)));
}

model::DrillStep step(std::string action, std::string name) {
    model::DrillStep s;
    s.action = std::move(action);
    s.name = std::move(name);
    return s;
}

} // namespace

std::vector<FaultKind> allFaultKinds() {
    return {FaultKind::WrongPassword, FaultKind::RepositoryMissing, FaultKind::PreBackupHookFails,
            FaultKind::BitFlip,       FaultKind::DeleteIndex,       FaultKind::KillMidBackup,
            FaultKind::PowerLoss,     FaultKind::DiskFull,          FaultKind::UnitRefusesToStop,
            FaultKind::ClockJump,     FaultKind::IoErrors,          FaultKind::ZfsStaleSnapshot,
            FaultKind::ZfsPoolFull};
}

std::vector<FaultKind> parseFaultList(const std::string& list) {
    if (list == "all") {
        return allFaultKinds();
    }
    std::vector<FaultKind> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto comma = list.find(',', start);
        auto name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        bool found = false;
        for (auto k : allFaultKinds()) {
            if (scenario::toString(k) == name) {
                if (std::find(out.begin(), out.end(), k) == out.end()) {
                    out.push_back(k);
                }
                found = true;
            }
        }
        if (!found) {
            std::string known;
            for (auto k : allFaultKinds()) {
                known += (known.empty() ? "" : ", ") + std::string(scenario::toString(k));
            }
            throw util::InputError("--faults: unknown fault kind \"" + name + "\" (all, or a list of: " + known + ")");
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

model::FaultExpect defaultExpectation(FaultKind kind) {
    model::FaultExpect e;
    auto failedRun = [&](const char* category) {
        e.category = category;
        e.status = 0;
        e.lastSuccess = "kept";
        e.unitsRunning = true;
        e.snapshot = false;
    };
    auto goodRun = [&] {
        e.category = "ok";
        e.status = 1;
        e.lastSuccess = "advanced";
        e.unitsRunning = true;
        e.snapshot = true;
    };
    switch (kind) {
    case FaultKind::WrongPassword:
    case FaultKind::RepositoryMissing:
        failedRun("fatal"); // restic 0.14 exits 1 for both (0.17: 12 and 10)
        e.repositoryUnchanged = true;
        break;
    case FaultKind::PreBackupHookFails:
        failedRun("prepare_failed");
        e.repositoryUnchanged = true;
        break;
    case FaultKind::KillMidBackup:
        failedRun("killed");
        e.lockLeft = true;
        break;
    case FaultKind::PowerLoss:
        e.lastSuccess = "kept";
        e.unitsRunning = true;
        e.snapshot = false;
        break;
    case FaultKind::DiskFull:
        failedRun("storage");
        break;
    case FaultKind::UnitRefusesToStop:
        goodRun();
        break;
    case FaultKind::ClockJump:
        e.category = "ok";
        e.snapshot = true;
        e.retentionHolds = true;
        break;
    case FaultKind::IoErrors:
        e.category = "incomplete";
        e.status = 0;
        e.lastSuccess = "kept";
        e.unitsRunning = true;
        e.snapshot = true;
        break;
    case FaultKind::ZfsStaleSnapshot:
        goodRun(); // the job's prepare destroys snapshots named like its own before taking one
        break;
    case FaultKind::ZfsPoolFull:
        // Measured: `zfs snapshot` fails with "out of space" on a full pool, so the prepare fails.
        failedRun("prepare_failed");
        e.repositoryUnchanged = true;
        break;
    case FaultKind::BitFlip:
        e.checkDetects = true;
        e.restoreFails = true;
        break;
    case FaultKind::DeleteIndex:
        e.checkDetects = true;
        break;
    }
    return e;
}

namespace {

/// What of a scenario decides which faults apply to it.
struct ScenarioTraits {
    std::size_t services = 0;     ///< enabled services
    bool markerHook = false;      ///< a service's preBackup tests faults::preBackupMarker
    bool snapshotService = false; ///< a service has backup.useSnapshots
    bool handWritten = false;     ///< the scenario has hand-written restic jobs
    /// One service and no hand-written jobs: the one job that a per-job fault acts on.
    bool singleJob() const { return services == 1 && !handWritten; }
};

ScenarioTraits traitsOf(const model::Scenario& scenario) {
    ScenarioTraits t;
    for (const auto& [name, svc] : scenario.services.items()) {
        if (svc.is_object() && svc.value("enable", false)) {
            ++t.services;
            auto backup = svc.value("backup", nlohmann::json::object());
            t.snapshotService = t.snapshotService || (backup.is_object() && backup.value("useSnapshots", false));
            auto pre = svc.value("preBackup", std::string());
            t.markerHook = t.markerHook || pre.find(faults::preBackupMarker) != std::string::npos;
        }
    }
    if (scenario.backup && scenario.backup->contains("restic")) {
        const auto& restic = (*scenario.backup)["restic"];
        t.handWritten = restic.contains("jobs") && restic["jobs"].is_object() && !restic["jobs"].empty();
    }
    return t;
}

/// Why the fault cannot be injected into the scenario ("<kind>: <reason>"), or nothing when it can.
std::optional<std::string> whyNotApplicable(const model::Scenario& scenario, const ScenarioTraits& t, FaultKind kind) {
    std::string kindName(scenario::toString(kind));
    bool perJob = kind != FaultKind::WrongPassword && kind != FaultKind::RepositoryMissing &&
                  kind != FaultKind::BitFlip && kind != FaultKind::DeleteIndex;
    if (perJob && !t.singleJob()) {
        return kindName + ": acts on one job's run; the scenario has " + std::to_string(t.services) + " service(s)" +
               (t.handWritten ? " and hand-written jobs" : "");
    }
    if (kind == FaultKind::PreBackupHookFails && !t.markerHook) {
        return kindName + ": no service's preBackup tests " + std::string(faults::preBackupMarker);
    }
    if ((kind == FaultKind::ZfsStaleSnapshot || kind == FaultKind::ZfsPoolFull) &&
        (!scenario.drill->zfs || !t.snapshotService)) {
        return kindName + ": needs a ZFS pool (/drill/zfs) and a service with backup.useSnapshots";
    }
    if (kind == FaultKind::PowerLoss && scenario.drill->repositoryDiskMiB > 0) {
        return kindName + ": the scenario's repository disk is not mounted again at boot";
    }
    return std::nullopt;
}

/// The variant's steps around the fault; the drill's repository disk grows for disk-full.
void planSteps(model::Drill& d, model::Fault fault, const std::string& kindName, std::size_t services) {
    auto kind = fault.kind;
    d.steps.clear();
    d.steps.push_back(step("backup", "1-backup"));
    if (!duringBackup(kind)) {
        auto inject = step("inject", "2-fault-" + kindName);
        inject.fault = fault;
        d.steps.push_back(inject);
    } else if (kind == FaultKind::ClockJump) {
        auto a = step("advance-clock", "2-advance-clock");
        d.steps.push_back(a);
        d.steps.push_back(step("backup", "3-backup"));
        fault.days = 120;
        auto b = step("backup", "4-fault-" + kindName);
        b.fault = fault;
        d.steps.push_back(b);
        d.steps.push_back(step("restore", "5-restore-latest"));
    } else {
        if (kind == FaultKind::DiskFull) {
            d.repositoryDiskMiB = std::max(d.repositoryDiskMiB, repositoryDiskFor(d, services));
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
}

/// The scenario "<name>@<kind>": its drill replaced by the fault's steps.
model::Scenario variantFor(const model::Scenario& scenario, const ScenarioTraits& t, FaultKind kind) {
    std::string kindName(scenario::toString(kind));
    model::Scenario v = scenario;
    v.name = scenario.name + "@" + kindName;
    v.expect.reset(); // the evaluation half is checked by the scenario itself
    v.expectError.clear();
    model::Fault fault;
    fault.kind = kind;
    fault.expect = defaultExpectation(kind);
    planSteps(*v.drill, fault, kindName, t.services);
    return v;
}

} // namespace

MatrixResult faultMatrix(const model::Scenario& scenario, const std::vector<FaultKind>& kinds) {
    if (!scenario.drill) {
        throw util::InputError(scenario.file + ": /drill: --faults needs a drill scenario");
    }
    MatrixResult out;
    auto traits = traitsOf(scenario);
    for (auto kind : kinds) {
        if (auto why = whyNotApplicable(scenario, traits, kind)) {
            out.notApplicable.push_back(std::move(*why));
            continue;
        }
        out.variants.push_back(variantFor(scenario, traits, kind));
    }
    return out;
}

} // namespace nixdrill::engine
