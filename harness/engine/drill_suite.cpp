///@file The `run` use case.
#include "engine/drill_suite.hpp"

#include "util/error.hpp"

#include <chrono>

namespace nixdrill::engine {

model::RunResult runScenarios(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                              GuestProvider& provider, const RunOptions& options) {
    auto start = std::chrono::steady_clock::now();
    std::vector<nixeval::EvalOutcome> outcomes;
    auto run = runEval(loaded, evaluator, options.eval, &outcomes);
    run.command = "run";

    bool anyDrill = false;
    for (std::size_t i = 0; i < loaded.scenarios.size(); ++i) {
        const auto& s = loaded.scenarios[i];
        if (!s.drill) {
            continue;
        }
        anyDrill = true;
        model::SuiteResult suite;
        suite.name = "drill." + s.name;
        suite.file = s.file;
        suite.timestamp = run.startedAt;
        auto add = [&](model::CaseResult c, bool notify = true) {
            suite.durationSeconds += c.durationSeconds;
            if (notify && options.onCase) {
                options.onCase(c);
            }
            suite.cases.push_back(std::move(c));
        };
        auto brokenCase = [&](const std::string& message) {
            model::CaseResult c;
            c.name = "0-provision";
            c.scenario = s.name;
            c.classname = s.name;
            c.kind = "drill:provision";
            c.outcome = i < outcomes.size() && outcomes[i].status == nixeval::EvalStatus::Ok ? model::Outcome::Broken
                                                                                             : model::Outcome::Skipped;
            c.message = message;
            return c;
        };

        if (i >= outcomes.size() || outcomes[i].status != nixeval::EvalStatus::Ok) {
            add(brokenCase("not drilled: the scenario did not evaluate (see its eval case)"));
        } else {
            try {
                auto plan = planFromEvaluation(outcomes[i].value);
                if (options.onProgress) {
                    options.onProgress("drill " + s.name + ": " + std::to_string(plan.jobs.size()) + " job(s), " +
                                       std::to_string(s.drill->steps.size()) + " step(s)");
                }
                auto guest = provider.create(s);
                DrillOptions drillOptions;
                drillOptions.onCase = options.onCase; // progress as each step ends
                drillOptions.consoleTail = [&] { return provider.consoleTail(*guest); };
                for (auto& c : runDrill(s, plan, *guest, drillOptions)) {
                    add(std::move(c), false);
                }
                guest->destroy();
            } catch (const util::Error& e) {
                add(brokenCase("cannot drill: " + e.describe()));
            }
        }
        run.suites.push_back(std::move(suite));
    }
    if (anyDrill) {
        for (const auto& [k, v] : provider.properties()) {
            run.properties[k] = v;
        }
    }
    run.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

} // namespace nixdrill::engine
