///@file Mutants of a scenario's contracts and the mutation score of its drill.
#include "engine/mutants.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace nixdrill::engine {

using nlohmann::ordered_json;

namespace {

/// A mutant: its id, what it does, and the change to the service's contract.
struct Mutation {
    std::string id;
    std::string description;
    std::function<void(ordered_json&)> apply;
    std::string keepsRunning; ///< a unit the mutant drops from the contract, not from the host
    std::string addedExclude; ///< a pattern the mutant adds to the contract's exclude
};

std::vector<std::string> stringsAt(const ordered_json& service, const char* key) {
    std::vector<std::string> out;
    if (service.contains(key) && service[key].is_array()) {
        for (const auto& v : service[key]) {
            if (v.is_string()) {
                out.push_back(v.get<std::string>());
            }
        }
    }
    return out;
}

/// What a mutant can change in one contract (its fields as the collector reads them).
std::vector<Mutation> mutationsOf(const std::string& name, const ordered_json& service) {
    std::vector<Mutation> out;
    auto paths = stringsAt(service, "backupPaths");
    if (paths.empty()) {
        return out; // registers nothing: no backup to get wrong
    }
    bool hasDataDir =
        service.contains("dataDir") && service["dataDir"].is_string() && !service["dataDir"].get<std::string>().empty();
    // A path may go only when another backupPath remains: a contract without backupPaths
    // registers nothing (its dataDir is persisted, not backed up), which the drill reports as
    // nothing to drill rather than as a wrong backup.
    if (paths.size() >= 2) {
        for (std::size_t i = 0; i < paths.size(); ++i) {
            out.push_back({"drop-backupPath." + name + "." + std::to_string(i), "backupPaths without " + paths[i],
                           [i](ordered_json& s) { s["backupPaths"].erase(i); }, "", ""});
        }
    }
    for (const char* hook : {"preBackup", "postRestore"}) {
        if (service.contains(hook) && service[hook].is_string()) {
            out.push_back({std::string("drop-") + hook + "." + name, std::string("no ") + hook,
                           [hook](ordered_json& s) { s.erase(hook); }, "", ""});
        }
    }
    // The collector's default when the contract names none: the service's own unit.
    auto units = service.contains("systemdUnits") ? stringsAt(service, "systemdUnits")
                                                  : std::vector<std::string>{name + ".service"};
    for (std::size_t i = 0; i < units.size(); ++i) {
        auto rest = units;
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
        out.push_back({"drop-systemdUnit." + name + "." + std::to_string(i),
                       "systemdUnits without " + units[i] + " (not stopped during the backup)",
                       [rest](ordered_json& s) { s["systemdUnits"] = rest; }, units[i], ""});
    }
    {
        auto first = hasDataDir ? service["dataDir"].get<std::string>() : paths.front();
        std::string pattern = first + "/*";
        out.push_back({"exclude-data." + name, "exclude " + pattern + " (the files under " + first + ")",
                       [pattern](ordered_json& s) {
                           if (!s.contains("exclude") || !s["exclude"].is_array()) {
                               s["exclude"] = ordered_json::array();
                           }
                           s["exclude"].push_back(pattern);
                       },
                       "", pattern});
    }
    return out;
}

/// What a drill must do to notice a mutant of this kind (its id's first part).
std::string hintFor(const std::string& id) {
    static const std::map<std::string, std::string> hints = {
        {"drop-backupPath", "lose or damage that path's data before a restore"},
        {"drop-preBackup", "lose the service's live data (not only the dump) before the restore"},
        {"drop-postRestore", "lose the service's live data before the restore, then check the service"},
        {"drop-systemdUnit", "write the service's data while the backup runs (a backup writer)"},
        {"exclude-data", "restore that path to a fresh place or damage it first"},
    };
    auto it = hints.find(id.substr(0, id.find('.')));
    return it == hints.end() ? "" : it->second;
}

bool enabled(const ordered_json& service) {
    return service.is_object() && service.contains("enable") && service["enable"] == true;
}

} // namespace

MutantSet mutantsOf(const model::Scenario& scenario) {
    if (!scenario.drill) {
        throw util::InputError(scenario.file + ": /drill: --mutants needs a drill scenario");
    }
    if (scenario.drill->guest != "debian") {
        // A NixOS guest image is built from the scenario's own contracts, not the mutant's.
        throw util::InputError(scenario.file + ": /drill/guest: --mutants needs the Debian guest");
    }
    MutantSet out;
    std::vector<std::string> names;
    for (const auto& [name, service] : scenario.services.items()) {
        if (enabled(service)) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end()); // the collector's order
    for (const auto& name : names) {
        for (auto& m : mutationsOf(name, scenario.services[name])) {
            model::Scenario v = scenario;
            v.name = scenario.name + "~" + m.id;
            v.expect.reset(); // the evaluation half is checked by the scenario itself
            v.expectError.clear();
            m.apply(v.services[name]);
            v.drill->stopAtFirstFailure = true;
            if (!m.addedExclude.empty()) {
                v.drill->mutantExcludes[name].push_back(m.addedExclude);
            }
            if (!m.keepsRunning.empty() && m.keepsRunning.ends_with(".service")) {
                // The host still runs it; only the backup no longer stops it.
                v.drill->extraProbes.push_back(m.keepsRunning);
            }
            out.mutants.push_back({scenario.name, scenario.file, v.name, m.id, m.description, hintFor(m.id)});
            out.variants.push_back(std::move(v));
        }
    }
    if (out.mutants.empty()) {
        throw util::InputError(scenario.file + ": /services: no enabled contract to mutate");
    }
    return out;
}

namespace {

/// A mutant's cases in run order, removed from their suites.
std::vector<model::CaseResult> takeCases(model::RunResult& run, const std::string& variant) {
    std::vector<model::CaseResult> out;
    for (auto& suite : run.suites) {
        auto& cases = suite.cases;
        for (auto it = cases.begin(); it != cases.end();) {
            if (it->scenario == variant) {
                out.push_back(std::move(*it));
                it = cases.erase(it);
            } else {
                ++it;
            }
        }
    }
    return out;
}

std::string listing(const std::vector<model::CaseResult>& cases) {
    std::string out;
    for (const auto& c : cases) {
        out += std::string(model::toString(c.outcome)) + " " + c.name +
               (c.message.empty() ? "" : ": " + c.message.substr(0, c.message.find('\n'))) + "\n";
    }
    return out;
}

model::CaseResult verdict(const Mutant& m, const std::vector<model::CaseResult>& cases, bool baselinePassed) {
    model::CaseResult c;
    c.name = m.id;
    c.classname = m.scenario;
    c.scenario = m.scenario;
    c.kind = "mutant";
    c.output = "mutant " + m.id + ": " + m.description + "\n" + listing(cases);
    for (const auto& x : cases) {
        c.durationSeconds += x.durationSeconds;
    }
    auto killer = std::find_if(cases.begin(), cases.end(),
                               [](const model::CaseResult& x) { return x.outcome == model::Outcome::Failed; });
    auto broken = std::find_if(cases.begin(), cases.end(),
                               [](const model::CaseResult& x) { return x.outcome == model::Outcome::Broken; });
    if (!baselinePassed) {
        c.outcome = model::Outcome::Broken;
        c.message = "no verdict: the drill of " + m.scenario + " itself does not pass";
    } else if (killer != cases.end()) {
        c.outcome = model::Outcome::Passed;
        c.message = "killed by " + killer->name + ": " + killer->message.substr(0, killer->message.find('\n'));
    } else if (broken != cases.end()) {
        c.outcome = model::Outcome::Broken;
        c.message = "no verdict: " + broken->name + " broke: " + broken->message.substr(0, broken->message.find('\n'));
    } else if (cases.empty()) {
        c.outcome = model::Outcome::Broken;
        c.message = "no verdict: the mutant did not run";
    } else {
        c.outcome = model::Outcome::Failed;
        c.message = "survived: every step passed with " + m.description + " — the drill does not notice" +
                    (m.hint.empty() ? "" : " (to notice it, a drill would " + m.hint + ")");
    }
    return c;
}

bool scenarioPassed(const model::RunResult& run, const std::string& scenario) {
    bool any = false;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            if (c.scenario == scenario) {
                any = true;
                if (c.outcome != model::Outcome::Passed) {
                    return false;
                }
            }
        }
    }
    return any;
}

} // namespace

std::vector<MutationScore> scoreMutants(model::RunResult& run, const std::vector<Mutant>& mutants) {
    std::vector<MutationScore> scores;
    std::map<std::string, model::SuiteResult> suites; // by scenario
    std::vector<std::string> order;
    for (const auto& m : mutants) {
        auto cases = takeCases(run, m.variant);
        auto [it, fresh] = suites.try_emplace(m.scenario);
        if (fresh) {
            order.push_back(m.scenario);
            it->second.name = "mutants." + m.scenario;
            it->second.file = m.file;
            it->second.timestamp = run.startedAt;
        }
        auto c = verdict(m, cases, scenarioPassed(run, m.scenario));
        it->second.durationSeconds += c.durationSeconds;
        it->second.cases.push_back(std::move(c));
    }
    std::erase_if(run.suites, [](const model::SuiteResult& s) { return s.cases.empty(); });
    for (const auto& scenario : order) {
        auto& suite = suites.at(scenario);
        unsigned killed = 0, judged = 0;
        std::string survivors;
        for (const auto& c : suite.cases) {
            if (c.outcome == model::Outcome::Broken) {
                continue;
            }
            ++judged;
            if (c.outcome == model::Outcome::Passed) {
                ++killed;
            } else {
                survivors += (survivors.empty() ? "" : ",") + c.name;
            }
        }
        MutationScore s{scenario, std::to_string(killed) + "/" + std::to_string(judged), survivors};
        run.properties["mutants." + scenario + ".score"] = s.score;
        run.properties["mutants." + scenario + ".survivors"] = s.survivors;
        run.suites.push_back(std::move(suite));
        scores.push_back(std::move(s));
    }
    return scores;
}

} // namespace nixdrill::engine
