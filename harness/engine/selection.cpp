///@file Which scenarios a run runs: `--only` patterns and `--rerun-failed` of a stored run.
#include "engine/selection.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <fnmatch.h>

namespace nixdrill::engine {

namespace {

bool notPassed(const model::CaseResult& c) {
    return c.outcome == model::Outcome::Failed || c.outcome == model::Outcome::Broken;
}

void addFaultKind(RerunPlan& plan, const std::string& name) {
    auto at = name.find('@');
    if (at == std::string::npos) {
        return;
    }
    std::string kind = name.substr(at + 1);
    if (std::find(plan.faultKinds.begin(), plan.faultKinds.end(), kind) == plan.faultKinds.end()) {
        plan.faultKinds.push_back(kind);
    }
}

bool matchesAny(const std::vector<std::string>& patterns, const std::set<std::string>& names, const std::string& name) {
    return names.count(name) > 0 || std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
               return ::fnmatch(p.c_str(), name.c_str(), 0) == 0;
           });
}

} // namespace

std::string baseScenarioName(std::string_view name) {
    return std::string(name.substr(0, name.find_first_of("@~")));
}

RerunPlan rerunPlanOf(const model::RunResult& run) {
    RerunPlan plan;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            if (!notPassed(c) || c.scenario.empty()) {
                continue;
            }
            std::string name = c.scenario;
            if (c.kind == "mutant") {
                // The verdict's case names the mutant; its scenario is the unmutated one.
                plan.scenarios.insert(c.scenario + "~" + c.name);
                plan.mutants = true;
            }
            plan.mutants = plan.mutants || name.find('~') != std::string::npos;
            addFaultKind(plan, name);
            plan.scenarios.insert(name);
            if (!suite.file.empty()) {
                plan.paths.insert(suite.file);
            }
        }
    }
    return plan;
}

std::vector<std::string> parsePatternList(const std::string& list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto comma = list.find(',', start);
        auto item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty()) {
            throw util::InputError("--only takes comma-separated scenario names or patterns, got '" + list +
                                   "' (an empty one)");
        }
        out.push_back(item);
        start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    }
    return out;
}

void keepSelected(std::vector<model::Scenario>& scenarios, const std::vector<std::string>& patterns,
                  const std::set<std::string>& names, bool keepBases, const std::string& what) {
    std::set<std::string> present, bases;
    for (const auto& s : scenarios) {
        present.insert(s.name);
        if (matchesAny(patterns, names, s.name)) {
            bases.insert(baseScenarioName(s.name));
        }
    }
    std::string unknown;
    for (const auto& n : names) {
        if (present.count(n) == 0) {
            unknown += (unknown.empty() ? "" : ", ") + n;
        }
    }
    if (!unknown.empty()) {
        throw util::InputError(what + ": no scenario named " + unknown + " among the paths (renamed or removed?)");
    }
    auto kept = [&](const model::Scenario& s) {
        return matchesAny(patterns, names, s.name) || (keepBases && bases.count(s.name) > 0);
    };
    if (std::none_of(scenarios.begin(), scenarios.end(), kept)) {
        std::string listed;
        for (const auto& n : present) {
            listed += (listed.empty() ? "" : ", ") + n;
        }
        throw util::InputError(what + " selects no scenario; the paths hold: " + (listed.empty() ? "none" : listed));
    }
    std::erase_if(scenarios, [&](const model::Scenario& s) { return !kept(s); });
}

} // namespace nixdrill::engine
