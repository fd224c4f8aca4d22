///@file `eval --nixpkgs`: the scenarios through the NixOS module system, compared with nix/lib.
#include "engine/module_check.hpp"

#include "util/error.hpp"
#include "util/text.hpp"
#include "verify/json_diff.hpp"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

namespace nixdrill::engine {

using model::CaseResult;
using model::Outcome;
using nlohmann::json;

namespace {

std::vector<std::string> pointerTokens(const std::string& pointer) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < pointer.size() && pointer[i] == '/') {
        auto next = pointer.find('/', i + 1);
        std::string raw = pointer.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
        std::string token;
        for (std::size_t k = 0; k < raw.size(); ++k) {
            if (raw[k] == '~' && k + 1 < raw.size()) {
                token += raw[k + 1] == '1' ? '/' : '~';
                ++k;
            } else {
                token += raw[k];
            }
        }
        out.push_back(token);
        if (next == std::string::npos) {
            break;
        }
        i = next;
    }
    return out;
}

bool isIndex(const std::string& t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// As NixOS shows option paths: names that are not plain identifiers in quotes.
std::string optionName(const std::string& name) {
    static const std::regex plain("[A-Za-z_][A-Za-z0-9_'-]*");
    return std::regex_match(name, plain) ? name : "\"" + name + "\"";
}

// Tokens from `from` up to the first array index, as option path components.
std::string rest(const std::vector<std::string>& tokens, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < tokens.size() && !isIndex(tokens[i]); ++i) {
        out += "." + optionName(tokens[i]);
    }
    return out;
}

std::string firstLine(const std::string& text) {
    auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

// "databases[0]" and "x.y" name the same option as "databases" and "x.y".
std::string withoutIndices(const std::string& path) {
    return std::regex_replace(path, std::regex("\\[[0-9]+\\]"), "");
}

bool sameOrNested(const std::string& a, const std::string& b) {
    auto x = withoutIndices(a);
    auto y = withoutIndices(b);
    auto nested = [](const std::string& p, const std::string& q) {
        if (p == q || p.rfind(q + ".", 0) == 0) {
            return true;
        }
        // nix/lib's container functions name a container's settings "backupConfig.X"; the
        // module names them "modules.containerBackups.<name>.backup.X".
        if (q.rfind("backupConfig", 0) == 0 && p.rfind("modules.containerBackups.", 0) == 0) {
            std::string tail = ".backup" + q.substr(12);
            return p.size() >= tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0;
        }
        return false;
    };
    return nested(x, y) || nested(y, x);
}

// Two rejections agree when they name the same (or a nested) option, or, for messages naming
// none (nix/lib's "mkBackupService: ..."), when one message holds the other's text.
bool sameRejection(const std::string& pureMessage, const std::string& moduleMessage) {
    auto p = optionPathOfMessage(pureMessage);
    auto m = optionPathOfMessage(moduleMessage);
    if (!p.empty() && !m.empty()) {
        return sameOrNested(p, m);
    }
    auto a = firstLine(pureMessage);
    return !a.empty() && moduleMessage.find(a) != std::string::npos;
}

// Errors of a rejected evaluation: nix/lib's messages, or Nix's own for a throw.
std::vector<std::string> errorsOf(const nixeval::EvalOutcome& o) {
    if (o.status == nixeval::EvalStatus::Invalid) {
        return o.errors;
    }
    return {o.message};
}

} // namespace

std::string optionPathOfPointer(const std::string& pointer) {
    auto t = pointerTokens(pointer);
    if (t.empty()) {
        return "";
    }
    if (t[0] == "collector") {
        if (t.size() < 2) {
            return "qgroget.backups";
        }
        if (t[1] == "backups") {
            return "qgroget.backups" + rest(t, 2);
        }
        if (t[1] == "persistence") {
            return "environment.persistence.\"/persist\".directories";
        }
        return "qgroget.collector" + rest(t, 1);
    }
    if (t[0] == "containers") {
        if (t.size() < 3) {
            return "modules.containerBackups" + rest(t, 1);
        }
        const std::string unit = optionName(t[1] + "-backup");
        if (t[2] == "onCalendar") {
            return "systemd.timers." + unit + ".timerConfig.OnCalendar";
        }
        return "systemd.services." + unit + "." + (t[2] == "packages" ? std::string("path") : optionName(t[2]));
    }
    if (t[0] == "backup") {
        if (t.size() >= 2 && t[1] == "nixosOnlyJobs") {
            return "services.restic.backups";
        }
        if (t.size() >= 3 && t[1] == "jobs") {
            const std::string job = optionName(t[2]);
            if (t.size() == 3) {
                return "services.restic.backups." + job;
            }
            static const std::set<std::string> resticOptions = {
                "paths",       "dynamicFilesFrom",     "exclude",
                "repository",  "passwordFile",         "environmentFile",
                "initialize",  "extraBackupArgs",      "pruneOpts",
                "timerConfig", "backupPrepareCommand", "backupCleanupCommand"};
            const auto& field = t[3];
            if (resticOptions.count(field) != 0) {
                return "services.restic.backups." + job + rest(t, 3);
            }
            const std::string unit = "systemd.services." + optionName("restic-backups-" + t[2]);
            if (field == "after" || field == "serviceConfig") {
                return unit + rest(t, 3);
            }
            if (field == "metricsHook") {
                return unit + ".serviceConfig.ExecStopPost";
            }
            return "modules.backup.rendered.jobs." + job + rest(t, 3);
        }
        return "modules.backup.rendered" + rest(t, 1);
    }
    return rest(t, 0).substr(1);
}

std::string optionPathOfMessage(const std::string& message) {
    static const std::regex named("option `([^']+)'");
    std::smatch m;
    if (std::regex_search(message, m, named)) {
        return m[1].str();
    }
    static const std::regex leading(
        "^(?:error: )?((qgroget|modules|services|networking|environment|systemd|backupConfig)(\\.(\"[^\"]*\"|[^.: "
        "\"]+))+): ");
    if (std::regex_search(message, m, leading)) {
        return m[1].str();
    }
    return "";
}

namespace {

/// Both accept the scenario: the modules must publish what nix/lib computes.
void compareAccepted(const nixeval::EvalOutcome& pure, const nixeval::EvalOutcome& modules, CaseResult& c) {
    // Containers: what a NixOS system gets of each (its timer's calendar, its service's
    // script and packages); nix/lib's unit files for other systems have no NixOS option.
    if (pure.value.contains("containers") && modules.value.contains("containers")) {
        json expected = json::object();
        for (const auto& [name, actual] : modules.value["containers"].items()) {
            expected[name] = json::object();
            const auto& p = pure.value["containers"].value(name, json::object());
            for (const auto& [field, value] : actual.items()) {
                expected[name][field] = p.value(field, json());
            }
        }
        for (const auto& [name, value] : pure.value["containers"].items()) {
            if (!modules.value["containers"].contains(name)) {
                expected[name] = json::object();
            }
        }
        auto diff = verify::diffJson(expected, modules.value["containers"], "/containers");
        for (auto& m : diff) {
            m.note = "option " + optionPathOfPointer(m.pointer) + ": the module system's value differs from nix/lib's";
            c.mismatches.push_back(std::move(m));
        }
    }
    for (const char* section : {"collector", "backup"}) {
        if (!pure.value.contains(section) && !modules.value.contains(section)) {
            continue;
        }
        auto diff = verify::diffJson(pure.value.value(section, json()), modules.value.value(section, json()),
                                     std::string("/") + section);
        c.mismatches.reserve(c.mismatches.size() + diff.size());
        for (auto& m : diff) {
            m.note = "option " + optionPathOfPointer(m.pointer) + ": the module system's value differs from nix/lib's";
            c.mismatches.push_back(std::move(m));
        }
    }
    if (!c.mismatches.empty()) {
        c.outcome = Outcome::Failed;
        std::set<std::string> options;
        for (const auto& m : c.mismatches) {
            options.insert(optionPathOfPointer(m.pointer));
        }
        c.message = std::to_string(c.mismatches.size()) + " difference(s) between the NixOS modules and nix/lib, at " +
                    *options.begin() +
                    (options.size() > 1 ? " and " + std::to_string(options.size() - 1) + " other option(s)" : "");
    } else {
        c.output = "the NixOS modules publish what nix/lib computes (registrations, persistence" +
                   std::string(pure.value.contains("backup") ? ", rendered jobs and their NixOS options)" : ")");
    }
}

/// nix/lib accepts it, the modules reject it.
void modulesReject(const nixeval::EvalOutcome& modules, CaseResult& c) {
    c.outcome = Outcome::Failed;
    auto errors = errorsOf(modules);
    for (std::size_t i = 0; i < errors.size(); ++i) {
        auto path = optionPathOfMessage(errors[i]);
        c.mismatches.push_back({"/assertions/" + std::to_string(i), std::nullopt, json(firstLine(errors[i])),
                                "option " + (path.empty() ? std::string("(not named)") : path) +
                                    ": rejected by the NixOS modules, accepted by nix/lib"});
    }
    auto first = optionPathOfMessage(errors.front());
    c.message = std::string(modules.status == nixeval::EvalStatus::Invalid ? "a NixOS module assertion fails"
                                                                           : "the module system refuses it") +
                (first.empty() ? "" : " at " + first) +
                ", but nix/lib accepts the scenario: " + firstLine(errors.front());
    c.output = modules.message;
}

/// nix/lib rejects it, the modules accept it.
void modulesAccept(const std::vector<std::string>& pureErrors, CaseResult& c) {
    c.outcome = Outcome::Failed;
    for (std::size_t i = 0; i < pureErrors.size(); ++i) {
        auto path = optionPathOfMessage(pureErrors[i]);
        c.mismatches.push_back({"/errors/" + std::to_string(i), json(firstLine(pureErrors[i])), std::nullopt,
                                "option " + (path.empty() ? std::string("(not named)") : path) +
                                    ": rejected by nix/lib, no NixOS module assertion fails"});
    }
    auto first = optionPathOfMessage(pureErrors.front());
    c.message = "nix/lib rejects the scenario" + (first.empty() ? "" : " at " + first) +
                ", but the NixOS modules accept it (no assertion fails)";
}

/// Both reject it: the modules must name an option nix/lib names.
void compareRejections(const std::vector<std::string>& pureErrors, const nixeval::EvalOutcome& modules, CaseResult& c) {
    std::vector<std::string> purePaths;
    for (const auto& e : pureErrors) {
        purePaths.push_back(optionPathOfMessage(e));
    }
    auto moduleErrors = errorsOf(modules);
    std::string out;
    std::size_t agreeing = 0;
    for (std::size_t i = 0; i < moduleErrors.size(); ++i) {
        auto path = optionPathOfMessage(moduleErrors[i]);
        bool named = std::any_of(pureErrors.begin(), pureErrors.end(),
                                 [&](const std::string& p) { return sameRejection(p, moduleErrors[i]); });
        if (named) {
            ++agreeing;
            continue;
        }
        c.mismatches.push_back({"/assertions/" + std::to_string(i), std::nullopt, json(firstLine(moduleErrors[i])),
                                "option " + (path.empty() ? std::string("(not named)") : path) +
                                    ": rejected by the NixOS modules where nix/lib reports nothing"});
    }
    // A type error stops the module system at the first bad option; assertions list them all.
    if (modules.status == nixeval::EvalStatus::Invalid) {
        for (std::size_t i = 0; i < pureErrors.size(); ++i) {
            bool found = std::find(moduleErrors.begin(), moduleErrors.end(), pureErrors[i]) != moduleErrors.end();
            if (found) {
                continue;
            }
            auto same = std::find_if(moduleErrors.begin(), moduleErrors.end(),
                                     [&](const std::string& e) { return sameRejection(pureErrors[i], e); });
            if (same != moduleErrors.end()) {
                out += "worded differently at " + purePaths[i] + ":\n  nix/lib: " + firstLine(pureErrors[i]) +
                       "\n  module: " + firstLine(*same) + "\n";
                continue;
            }
            c.mismatches.push_back({"/errors/" + std::to_string(i), json(firstLine(pureErrors[i])), std::nullopt,
                                    "option " + (purePaths[i].empty() ? std::string("(not named)") : purePaths[i]) +
                                        ": rejected by nix/lib, no NixOS module assertion names it"});
        }
    }
    if (!c.mismatches.empty()) {
        c.outcome = Outcome::Failed;
        c.message = "nix/lib and the NixOS modules reject the scenario at different options (" +
                    std::to_string(c.mismatches.size()) + " difference(s); first: " +
                    c.mismatches.front().note.substr(0, c.mismatches.front().note.find(':')) + ")";
    } else {
        c.output = (modules.status == nixeval::EvalStatus::Invalid
                        ? "both reject it; " + std::to_string(agreeing) +
                              " failed NixOS module assertion(s) at the options nix/lib names\n"
                        : "both reject it; the module system stops at the first problem it meets, which nix/lib "
                          "reports too: " +
                              firstLine(moduleErrors.front()) + "\n") +
                   out;
    }
}

} // namespace

CaseResult compareWithModules(const model::Scenario& scenario, const nixeval::EvalOutcome& pure,
                              const nixeval::EvalOutcome& modules) {
    CaseResult c;
    c.name = scenario.name;
    c.scenario = scenario.name;
    c.classname = "nixos-modules." + scenario.group;
    c.kind = "eval-modules";
    c.durationSeconds = modules.seconds;
    const bool pureOk = pure.status == nixeval::EvalStatus::Ok;
    const bool modulesOk = modules.status == nixeval::EvalStatus::Ok;
    if (pureOk && modulesOk) {
        compareAccepted(pure, modules, c);
    } else if (pureOk) {
        modulesReject(modules, c);
    } else if (modulesOk) {
        modulesAccept(errorsOf(pure), c);
    } else {
        compareRejections(errorsOf(pure), modules, c);
    }
    return c;
}

void addModuleComparison(model::RunResult& run, const scenario::LoadResult& loaded,
                         const std::vector<nixeval::EvalOutcome>& pureOutcomes, const nixeval::NixEvaluator& evaluator,
                         const ModuleCheckOptions& options) {
    auto start = std::chrono::steady_clock::now();
    model::SuiteResult suite;
    suite.name = "nixos-modules";
    suite.file = options.nixpkgsLib.string();
    suite.timestamp = run.startedAt;
    std::vector<nixeval::EvalRequest> requests;
    for (const auto& s : loaded.scenarios) {
        requests.push_back({s.name, s.services, s.backup, s.containers});
    }
    std::vector<nixeval::EvalOutcome> outcomes;
    std::string infraError;
    try {
        outcomes = evaluator.evaluateModules(requests, options.nixpkgsLib);
    } catch (const util::Error& e) {
        infraError = e.describe();
    }
    for (std::size_t i = 0; i < loaded.scenarios.size(); ++i) {
        const auto& s = loaded.scenarios[i];
        CaseResult c;
        if (!infraError.empty() || i >= pureOutcomes.size()) {
            c.name = s.name;
            c.scenario = s.name;
            c.classname = "nixos-modules." + s.group;
            c.kind = "eval-modules";
            c.outcome = Outcome::Broken;
            c.message = infraError.empty() ? "no nix/lib evaluation to compare with" : infraError;
        } else {
            c = compareWithModules(s, pureOutcomes[i], outcomes[i]);
        }
        suite.durationSeconds += c.durationSeconds;
        if (options.onCase) {
            options.onCase(c);
        }
        suite.cases.push_back(std::move(c));
    }
    run.suites.push_back(std::move(suite));
    run.properties["nixpkgs.lib"] = options.nixpkgsLib.string();
    run.durationSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace nixdrill::engine
