///@file Fault matrix variants: the catalogue's kinds plan and judge themselves (harness/faults/kinds).
#include "engine/fault_matrix.hpp"

#include "faults/fault.hpp"
#include "faults/kind.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <optional>

namespace nixdrill::engine {

namespace {

const faults::FaultKind& kindNamed(const std::string& name) {
    model::Fault fault;
    fault.kind = name;
    return faults::kindOf(fault);
}

faults::ScenarioFacts factsOf(const model::Scenario& scenario) {
    faults::ScenarioFacts t;
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
    t.resticJobs = scenario.backup.has_value();
    t.zfsPool = scenario.drill && scenario.drill->zfs.has_value();
    t.repositoryDiskMiB = scenario.drill ? scenario.drill->repositoryDiskMiB : 0;
    return t;
}

/// Why the fault cannot be injected into the scenario ("<kind>: <reason>"), or nothing when it can.
std::optional<std::string> whyNotApplicable(const faults::ScenarioFacts& t, const faults::FaultKind& kind) {
    std::string kindName(kind.name());
    if (!t.resticJobs) {
        return kindName + ": acts on restic jobs; the scenario has none (a container backup's faults are its "
                          "container-backup steps' containerFault)";
    }
    if (kind.perJob() && !t.singleJob()) {
        return kindName + ": acts on one job's run; the scenario has " + std::to_string(t.services) + " service(s)" +
               (t.handWritten ? " and hand-written jobs" : "");
    }
    if (auto why = kind.whyNotApplicable(t)) {
        return kindName + ": " + *why;
    }
    return std::nullopt;
}

/// The scenario "<name>@<kind>": its drill replaced by the fault's steps.
model::Scenario variantFor(const model::Scenario& scenario, const faults::ScenarioFacts& t,
                           const faults::FaultKind& kind) {
    std::string kindName(kind.name());
    model::Scenario v = scenario;
    v.name = scenario.name + "@" + kindName;
    v.expect.reset(); // the evaluation half is checked by the scenario itself
    v.expectError.clear();
    model::Fault fault;
    fault.kind = kindName;
    fault.expect = kind.defaultExpectation();
    kind.planVariant(*v.drill, fault, t.services);
    return v;
}

} // namespace

std::vector<std::string> parseFaultList(const std::string& list) {
    std::vector<std::string> out;
    if (list == "all") {
        for (const auto* k : faults::faultKinds()) {
            out.emplace_back(k->name());
        }
        return out;
    }
    std::size_t start = 0;
    while (start <= list.size()) {
        auto comma = list.find(',', start);
        auto name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!faults::faultKindNamed(name)) {
            throw util::InputError("--faults: unknown fault kind \"" + name +
                                   "\" (all, or a list of: " + faults::knownFaultKinds() + ")");
        }
        if (std::find(out.begin(), out.end(), name) == out.end()) {
            out.push_back(name);
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

MatrixResult faultMatrix(const model::Scenario& scenario, const std::vector<std::string>& kinds) {
    if (!scenario.drill) {
        throw util::InputError(scenario.file + ": /drill: --faults needs a drill scenario");
    }
    MatrixResult out;
    auto facts = factsOf(scenario);
    for (const auto& name : kinds) {
        const auto& kind = kindNamed(name);
        if (auto why = whyNotApplicable(facts, kind)) {
            out.notApplicable.push_back(std::move(*why));
            continue;
        }
        out.variants.push_back(variantFor(scenario, facts, kind));
    }
    return out;
}

} // namespace nixdrill::engine
