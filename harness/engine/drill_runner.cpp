///@file The drill runner: one case per step, each run by the family that owns the step kind
/// (engine/steps); the runner knows cases, retries, the deadline and redaction, no step kind.
#include "engine/drill_runner.hpp"

#include "engine/drill/context.hpp"
#include "engine/steps/registry.hpp"
#include "util/error.hpp"

#include <chrono>
#include <functional>

namespace nixdrill::engine {

using model::CaseResult;
using model::Outcome;

namespace {

using Clock = std::chrono::steady_clock;

class DrillRun {
public:
    DrillRun(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& guest, const DrillOptions& options)
        : families_(steps::drillFamilies()), ctx_(scenario, plan, guest, options) {
        ctx_.setFamilies(families_);
    }

    std::vector<CaseResult> run() {
        bool broken = false;
        runCase("0-provision", "drill:provision", broken, 0, [&] {
            ctx_.forEachFamily([&](drill::StepFamily& f) { f.provision(ctx_); });
            ctx_.forEachFamily([&](drill::StepFamily& f) { f.afterProvision(ctx_); });
        });
        for (const auto& step : ctx_.drill.steps) {
            auto* family = steps::familyFor(families_, step);
            std::string kind = family != nullptr ? family->caseKind(step) : "drill:unknown";
            runCase(step.name, kind, broken, step.retries, [&] {
                if (family == nullptr) {
                    throw util::Error("no step family runs this step (engine/steps/registry.cpp)");
                }
                family->run(ctx_, step);
            });
        }
        return std::move(cases_);
    }

private:
    /// Runs one case: `body` once, and again up to `retries` times while it does not pass (the
    /// scenario allows that only for steps that repeat cleanly). A pass after a failed attempt
    /// keeps the failed attempts, so reports show it as flaky, never as a clean pass. A Broken
    /// step (or any step that ends past the deadline) skips the rest of the drill.
    void runCase(const std::string& name, const std::string& kind, bool& broken, unsigned retries,
                 const std::function<void()>& body) {
        CaseResult c;
        c.name = name;
        c.scenario = ctx_.scenario.name;
        c.classname = ctx_.scenario.name;
        c.kind = kind;
        ctx_.evidence().clear();
        auto start = Clock::now();
        if (!firstFailure_.empty()) {
            c.outcome = Outcome::Skipped;
            c.message = "not run: " + firstFailure_ + " failed (the drill stops at its first failure)";
        } else if (broken) {
            c.outcome = Outcome::Skipped;
            c.message = deadlinePassed_ ? "not run: " + ctx_.options.deadlineWhat + " passed"
                                        : "not run: an earlier step broke";
        } else if (ctx_.clock.pastDeadline()) {
            deadlinePassed_ = true;
            broken = true;
            c.outcome = Outcome::Broken;
            c.message = "not started: " + ctx_.options.deadlineWhat + " passed";
        } else {
            for (unsigned attempt = 0;; ++attempt) {
                auto attemptStart = Clock::now();
                bool attemptBroken = runAttempt(c, body);
                if (c.outcome == Outcome::Passed || attempt >= retries || deadlinePassed_) {
                    broken = broken || attemptBroken;
                    if (attemptBroken && ctx_.options.consoleTail) {
                        ctx_.note("--- serial console (tail) ---\n" + ctx_.options.consoleTail());
                    }
                    break;
                }
                keepFailedAttempt(c, attemptStart);
            }
        }
        c.durationSeconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (c.outcome == Outcome::Failed && ctx_.drill.stopAtFirstFailure) {
            firstFailure_ = name;
        }
        redact(c);
        if (ctx_.options.onCase) {
            ctx_.options.onCase(c);
        }
        cases_.push_back(std::move(c));
    }

    /// One attempt of a case's body; true when it broke (Broken, or cut by the deadline).
    bool runAttempt(CaseResult& c, const std::function<void()>& body) {
        ctx_.evidence().clear();
        ctx_.caseProperties().clear();
        c.outcome = Outcome::Passed;
        c.message.clear();
        c.mismatches.clear();
        ctx_.clock.startStep();
        bool attemptBroken = false;
        try {
            body();
        } catch (const drill::StepFailed& e) {
            c.outcome = Outcome::Failed;
            c.message = e.describe();
            c.mismatches = e.mismatches();
        } catch (const util::Error& e) {
            c.outcome = Outcome::Broken;
            c.message = e.describe();
            attemptBroken = true;
        } catch (const std::exception& e) {
            c.outcome = Outcome::Broken;
            c.message = std::string("internal error: ") + e.what();
            attemptBroken = true;
        }
        if (c.outcome != Outcome::Passed && ctx_.clock.pastDeadline()) {
            // Whatever the step saw, it was cut short: no verdict on the system.
            deadlinePassed_ = true;
            attemptBroken = true;
            c.outcome = Outcome::Broken;
            c.message = ctx_.options.deadlineWhat + " passed during this step; it was waiting for: " + c.message;
        }
        c.properties = ctx_.caseProperties();
        return attemptBroken;
    }

    void keepFailedAttempt(CaseResult& c, Clock::time_point attemptStart) {
        model::Attempt failed;
        failed.outcome = c.outcome;
        failed.durationSeconds = std::chrono::duration<double>(Clock::now() - attemptStart).count();
        std::string message = c.message;
        for (const auto& m : c.mismatches) {
            message += "\n" + m.pointer + (m.note.empty() ? "" : " (" + m.note + ")");
        }
        failed.message = ctx_.redactor.apply(message);
        failed.output = ctx_.redactor.apply(ctx_.evidence());
        c.failedAttempts.push_back(std::move(failed));
    }

    void redact(CaseResult& c) const {
        c.message = ctx_.redactor.apply(c.message);
        c.output = ctx_.redactor.apply(ctx_.evidence());
        for (auto& m : c.mismatches) {
            // Everything of a mismatch can quote the guest: pointers name files, values hold text.
            m.pointer = ctx_.redactor.apply(m.pointer);
            m.note = ctx_.redactor.apply(m.note);
            if (m.expected) {
                *m.expected = ctx_.redactor.applyToJson(*m.expected);
            }
            if (m.actual) {
                *m.actual = ctx_.redactor.applyToJson(*m.actual);
            }
        }
    }

    std::vector<steps::FamilyPtr> families_;
    drill::DrillContext ctx_;
    bool deadlinePassed_ = false;
    std::string firstFailure_; ///< with stopAtFirstFailure: the case that failed
    std::vector<CaseResult> cases_;
};

} // namespace

std::vector<model::CaseResult> runDrill(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& guest,
                                        const DrillOptions& options) {
    if (!scenario.drill) {
        throw util::InputError(scenario.file + ": /drill: the scenario has no drill");
    }
    DrillRun run(scenario, plan, guest, options);
    return run.run();
}

} // namespace nixdrill::engine
