///@file The `eval` use case.
#include "engine/eval_runner.hpp"

#include "engine/steps/registry.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/text.hpp"
#include "verify/backup_invariants.hpp"
#include "verify/collector_invariants.hpp"
#include "verify/json_diff.hpp"

#include <chrono>
#include <map>

namespace nixdrill::engine {

using model::CaseResult;
using model::Outcome;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// nlohmann's converting constructor: the same value as a dump/parse round trip (std::map sorts the
// keys either way) without printing and re-reading it.
json plain(const nlohmann::ordered_json& j) {
    return json(j);
}

// The actual value in the expectation's shape: a partial object ("...": true) is updated member
// by member and stays partial, other objects get exactly the actual members, anything else
// becomes the actual value.
nlohmann::ordered_json acceptInto(const nlohmann::ordered_json& expected, const json& actual) {
    if (expected.is_object() && actual.is_object() && expected.contains("...") && expected["..."] == true) {
        nlohmann::ordered_json out = expected;
        for (auto& [key, value] : out.items()) {
            if (key != "..." && actual.contains(key)) {
                value = acceptInto(value, actual[key]);
            }
        }
        return out;
    }
    if (expected.is_object() && actual.is_object()) {
        // Exactly the actual members, each in the shape the expectation gave it (partials may be nested).
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        for (const auto& [key, value] : actual.items()) {
            out[key] = expected.contains(key) ? acceptInto(expected[key], value) : nlohmann::ordered_json(value);
        }
        return out;
    }
    // Converted member by member in json's (sorted) key order, the order the dump/parse round trip gave.
    return nlohmann::ordered_json(actual);
}

} // namespace

CaseResult judgeScenario(const model::Scenario& scenario, const nixeval::EvalOutcome& outcome) {
    auto start = Clock::now();
    CaseResult c;
    c.name = scenario.name;
    c.scenario = scenario.name;
    c.classname = scenario.group;
    c.kind = "eval";

    const bool evaluationFailed = outcome.status != nixeval::EvalStatus::Ok;
    if (!scenario.expectError.empty()) {
        if (!evaluationFailed) {
            c.outcome = Outcome::Failed;
            c.message = "evaluation succeeded, but an error was expected";
            c.mismatches.push_back({"/expectError", json(scenario.expectError), std::nullopt, "no error"});
        } else {
            for (std::size_t i = 0; i < scenario.expectError.size(); ++i) {
                if (outcome.message.find(scenario.expectError[i]) == std::string::npos) {
                    c.mismatches.push_back({"/expectError/" + std::to_string(i), json(scenario.expectError[i]),
                                            json(outcome.message), "not found in the error message"});
                }
            }
            if (!c.mismatches.empty()) {
                c.outcome = Outcome::Failed;
                c.message = "evaluation failed with a different error than expected";
            }
        }
        c.output = evaluationFailed ? "error: " + outcome.message : "";
    } else if (evaluationFailed) {
        // Nix's own message, unchanged: the scenario could not be judged.
        c.outcome = Outcome::Broken;
        c.message = (outcome.status == nixeval::EvalStatus::Invalid ? "nix/lib rejected the contracts: "
                                                                    : "Nix evaluation failed: ") +
                    outcome.message;
    } else {
        const json services = plain(scenario.services);
        if (outcome.value.contains("collector")) {
            c.mismatches = verify::checkCollectorInvariants(services, outcome.value["collector"]);
        }
        if (outcome.value.contains("backup") && scenario.backup) {
            auto b = verify::checkBackupInvariants(plain(*scenario.backup), outcome.value.value("collector", json()),
                                                   outcome.value["backup"]);
            c.mismatches.insert(c.mismatches.end(), b.begin(), b.end());
        }
        if (scenario.expect) {
            // Each field listed under a section is compared exactly; fields left out are not checked.
            for (const auto& [section, fields] : scenario.expect->items()) {
                std::string sectionPointer = "/" + util::escapePointerToken(section);
                if (!outcome.value.contains(section)) {
                    c.mismatches.push_back({sectionPointer, plain(fields), std::nullopt, "missing"});
                    continue;
                }
                const auto& actualSection = outcome.value[section];
                for (const auto& [field, expected] : fields.items()) {
                    std::string pointer = sectionPointer + "/" + util::escapePointerToken(field);
                    if (!actualSection.is_object() || !actualSection.contains(field)) {
                        c.mismatches.push_back({pointer, plain(expected), std::nullopt, "missing"});
                        continue;
                    }
                    auto diff = verify::diffJson(plain(expected), actualSection[field], pointer);
                    c.mismatches.insert(c.mismatches.end(), diff.begin(), diff.end());
                }
            }
        }
        if (!c.mismatches.empty()) {
            c.outcome = Outcome::Failed;
            std::size_t invariants = 0;
            for (const auto& m : c.mismatches) {
                invariants += m.note.rfind("invariant:", 0) == 0;
            }
            c.message = std::to_string(c.mismatches.size()) + " difference(s) from the expected outputs";
            if (invariants > 0) {
                c.message += ", " + std::to_string(invariants) + " of them broken invariant(s)";
            }
        }
    }
    c.durationSeconds = outcome.seconds + since(start);
    return c;
}

std::optional<nlohmann::ordered_json> acceptedDocument(const model::Scenario& scenario,
                                                       const nixeval::EvalOutcome& outcome) {
    auto doc = scenario.document;
    if (outcome.status == nixeval::EvalStatus::Ok) {
        if (!scenario.expectError.empty()) {
            return std::nullopt; // an expected error that did not happen is a real failure, not a golden change
        }
        if (!scenario.expect) {
            nlohmann::ordered_json expect = nlohmann::ordered_json::object();
            for (const auto& [section, value] : outcome.value.items()) {
                expect[section] = nlohmann::ordered_json(value); // keys in json's sorted order, as before
            }
            doc["expect"] = expect;
            return doc;
        }
        // Keep the expectation's shape: only the fields it lists, partial objects stay partial.
        nlohmann::ordered_json expect = *scenario.expect;
        for (auto& [section, fields] : expect.items()) {
            if (!outcome.value.contains(section)) {
                continue;
            }
            for (auto& [field, expected] : fields.items()) {
                if (outcome.value[section].contains(field)) {
                    expected = acceptInto(expected, outcome.value[section][field]);
                }
            }
        }
        doc["expect"] = expect;
        return doc;
    }
    if (outcome.status == nixeval::EvalStatus::Invalid && !scenario.expectError.empty()) {
        doc["expectError"] = outcome.errors.empty() ? outcome.message : outcome.errors.front();
        return doc;
    }
    return std::nullopt;
}

namespace {

CaseResult brokenEvalCase(const std::string& name, const std::string& group, const std::string& message) {
    CaseResult c;
    c.name = name;
    c.scenario = name;
    c.classname = group;
    c.kind = "eval";
    c.outcome = Outcome::Broken;
    c.message = message;
    return c;
}

/// The scenario judged against its evaluation; in accept mode a failing or unwritten one gets
/// its expectations rewritten from the actual outputs first.
CaseResult evalCase(const model::Scenario& s, const nixeval::EvalOutcome& outcome, bool accept) {
    auto c = judgeScenario(s, outcome);
    bool unwritten = !s.expect && s.expectError.empty();
    if (accept && (c.outcome != Outcome::Passed || unwritten)) {
        if (auto doc = acceptedDocument(s, outcome)) {
            util::writeFileAtomic(s.file, scenario::formatScenarioDocument(*doc));
            c = judgeScenario(
                scenario::parseScenario(scenario::formatScenarioDocument(*doc), s.file, s.group, steps::catalogue()),
                outcome);
            c.output = "expectations rewritten from the actual outputs (accept mode)" +
                       (c.output.empty() ? "" : "\n" + c.output);
        }
    }
    return c;
}

} // namespace

model::RunResult runEval(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                         const EvalRunOptions& options, std::vector<nixeval::EvalOutcome>* outcomesOut) {
    auto start = Clock::now();
    model::RunResult run;
    run.command = "eval";
    run.startedAt = util::formatTimestamp(std::chrono::system_clock::now());

    std::vector<nixeval::EvalRequest> requests;
    for (const auto& s : loaded.scenarios) {
        requests.push_back({s.name, s.services, s.backup, s.containers});
    }
    std::vector<nixeval::EvalOutcome> outcomes;
    std::string infraError;
    try {
        outcomes = evaluator.evaluate(requests);
    } catch (const util::Error& e) {
        infraError = e.describe();
    }

    std::map<std::string, model::SuiteResult> suites;
    auto suiteFor = [&](const std::string& group, const std::string& file) -> model::SuiteResult& {
        auto& s = suites[group];
        if (s.name.empty()) {
            s.name = group;
            s.file = std::filesystem::path(file).parent_path().string();
            s.timestamp = run.startedAt;
        }
        return s;
    };
    auto add = [&](model::SuiteResult& suite, CaseResult c) {
        suite.durationSeconds += c.durationSeconds;
        if (options.onCase) {
            options.onCase(c);
        }
        suite.cases.push_back(std::move(c));
    };

    for (const auto& err : loaded.errors) {
        add(suiteFor(err.group, err.file), brokenEvalCase(std::filesystem::path(err.file).filename().string(),
                                                          err.group, "cannot load scenario: " + err.message));
    }

    for (std::size_t i = 0; i < loaded.scenarios.size(); ++i) {
        const auto& s = loaded.scenarios[i];
        auto& suite = suiteFor(s.group, s.file);
        add(suite, infraError.empty() ? evalCase(s, outcomes[i], options.accept)
                                      : brokenEvalCase(s.name, s.group, infraError));
    }

    for (auto& [name, suite] : suites) {
        run.suites.push_back(std::move(suite));
    }
    if (outcomesOut != nullptr) {
        *outcomesOut = std::move(outcomes);
    }
    run.durationSeconds = since(start);
    return run;
}

} // namespace nixdrill::engine
