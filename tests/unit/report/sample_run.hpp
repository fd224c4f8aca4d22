///@file A fixed run result used by the report tests (times already normalised).
#pragma once

#include "model/result.hpp"

#include <string>

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
        "single-service", "collector", "single-service", "eval", model::Outcome::Passed, 0.25, "", {}, "", {}, {}};
    model::CaseResult fail{"wrong \"order\" <&>",
                           "collector",
                           "wrong \"order\" <&>",
                           "eval",
                           model::Outcome::Failed,
                           0.25,
                           "1 difference(s) from the expected outputs",
                           {{"/collector/backupOrder/0", nlohmann::json("db"), nlohmann::json("app"), ""}},
                           "",
                           {},
                           {}};
    model::CaseResult broken{"type-error",
                             "collector",
                             "type-error",
                             "eval",
                             model::Outcome::Broken,
                             0.125,
                             "Nix evaluation failed: error: value is a string while a set was expected\n"
                             "       at nix/lib/collector.nix:1:1",
                             {},
                             "control \x01 char and bad utf8 \xff kept out",
                             {},
                             {}};
    model::CaseResult skipped{"later", "collector", "later", "eval", model::Outcome::Skipped, 0, "needs a VM",
                              {},      "",          {},      {}};
    s.cases = {pass, fail, broken, skipped};
    run.suites.push_back(s);
    return run;
}

/// An empty drill run with one suite, "drill.single", for the drill-shaped samples below.
inline model::RunResult drillRun(const std::string& runId) {
    model::RunResult run;
    run.runId = runId;
    run.command = "run";
    run.startedAt = "2026-11-23T00:00:00Z";
    model::SuiteResult s;
    s.name = "drill.single";
    s.file = "scenarios/drills/single.json";
    s.timestamp = run.startedAt;
    run.suites.push_back(s);
    return run;
}

/// A drill whose verify step passed on its second attempt (flaky) and whose restore step failed
/// all three attempts it was allowed.
inline model::RunResult retriedRun() {
    model::RunResult run = drillRun("20261123T000000Z-2");
    run.durationSeconds = 9;
    model::SuiteResult& s = run.suites.front();
    model::CaseResult verify;
    verify.name = "2-verify-repository";
    verify.classname = verify.scenario = "single";
    verify.kind = "drill:verify-repository";
    verify.outcome = model::Outcome::Passed;
    verify.durationSeconds = 3;
    verify.output = "restic check on /var/lib/restic: exit 0\n";
    verify.failedAttempts.push_back(
        {model::Outcome::Failed, 1.5, "restic check failed: repository is already locked", "exit 1\n"});
    model::CaseResult restore;
    restore.name = "3-restore";
    restore.classname = restore.scenario = "single";
    restore.kind = "drill:restore";
    restore.outcome = model::Outcome::Failed;
    restore.durationSeconds = 4;
    restore.message = "restored data differs";
    restore.failedAttempts.push_back({model::Outcome::Broken, 1, "`restic restore` did not finish within 1.0 s", ""});
    restore.failedAttempts.push_back({model::Outcome::Failed, 1, "restored data differs", ""});
    s.cases = {verify, restore};
    return run;
}

/// A drill whose check-service step measured how long its service took to come back; a stored
/// result may also hold a property that is not a number.
inline model::RunResult measuredRun() {
    model::RunResult run = drillRun("20261123T000000Z-3");
    model::SuiteResult& s = run.suites.front();
    model::CaseResult ready;
    ready.name = "4-check-service";
    ready.classname = ready.scenario = "single";
    ready.kind = "drill:check-service";
    ready.durationSeconds = 2;
    ready.properties = {{"ready.service-notes", "1.250"}, {"rto.service-notes", "7.500"}, {"rto.torn", "7.5s"}};
    s.cases = {ready};
    return run;
}

} // namespace nixdrill::test
