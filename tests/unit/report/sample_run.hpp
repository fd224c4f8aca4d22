///@file A fixed run result used by the report tests (times already normalised).
#pragma once

#include "model/result.hpp"

namespace nixdrill::test {

inline model::RunResult sampleRun() {
    model::RunResult run;
    run.runId = "20261123T000000Z-1";
    run.command = "eval";
    run.startedAt = "2026-11-23T00:00:00Z";
    run.durationSeconds = 1.5;
    run.properties = {{"nixdrill.version", "0.1.0"}, {"nix.version", "2.8.0"}};
    model::SuiteResult s;
    s.name = "collector";
    s.file = "scenarios/collector";
    s.timestamp = run.startedAt;
    s.durationSeconds = 0.75;
    model::CaseResult pass{
        "single-service", "collector", "single-service", "eval", model::Outcome::Passed, 0.25, "", {}, ""};
    model::CaseResult fail{"wrong \"order\" <&>",
                           "collector",
                           "wrong \"order\" <&>",
                           "eval",
                           model::Outcome::Failed,
                           0.25,
                           "1 difference(s) from the expected outputs",
                           {{"/collector/backupOrder/0", nlohmann::json("db"), nlohmann::json("app"), ""}},
                           ""};
    model::CaseResult broken{"type-error",
                             "collector",
                             "type-error",
                             "eval",
                             model::Outcome::Broken,
                             0.125,
                             "Nix evaluation failed: error: value is a string while a set was expected\n"
                             "       at nix/lib/collector.nix:1:1",
                             {},
                             "control \x01 char and bad utf8 \xff kept out"};
    model::CaseResult skipped{"later", "collector", "later", "eval", model::Outcome::Skipped, 0, "needs a VM", {}, ""};
    s.cases = {pass, fail, broken, skipped};
    run.suites.push_back(s);
    return run;
}

} // namespace nixdrill::test
