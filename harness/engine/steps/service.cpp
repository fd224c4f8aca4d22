///@file check-service: the jobs' services start and pass their contracts' readiness checks (the
/// rendered health-<job>.sh --wait); after an in-place restore, the recovery time is measured.
/// Before any backup it shows the checks pass on the live services (so a later failure is the
/// restore's, not the check's).
#include "engine/drill/context.hpp"
#include "engine/steps/steps.hpp"

#include <chrono>
#include <cstdio>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

/// Seconds with millisecond precision, as case properties carry them.
std::string secondsText(std::chrono::steady_clock::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
    return buf;
}

class Service final : public drill::StepFamily {
public:
    std::string_view name() const override { return "service"; }
    std::vector<std::string> actions() const override { return {"check-service"}; }
    // Not retryable: a recovery time is measured once, from its own restore.
    bool runs(const model::DrillStep& step) const override { return step.action == "check-service"; }

    void run(DrillContext& ctx, const model::DrillStep&) override {
        std::vector<std::string> failures;
        unsigned checked = 0;
        for (const auto& job : ctx.plan.jobs) {
            if (job.healthFile.empty()) {
                continue;
            }
            ++checked;
            checkJob(ctx, job, failures);
        }
        if (checked == 0) {
            // The scenario asks for something it did not declare: it cannot run (Broken).
            throw util::InputError("check-service: no job has readiness checks (set "
                                   "qgroget.serviceModules.<name>.healthCheck in the scenario's services)");
        }
        drill::failIfAny(failures);
    }

private:
    static void checkJob(DrillContext& ctx, const DrillJob& job, std::vector<std::string>& failures) {
        auto& m = ctx.client();
        auto started = std::chrono::steady_clock::now();
        auto restore = ctx.ledger.restoreStarted.find(job.name);
        bool restored = restore != ctx.ledger.restoreStarted.end();
        for (const auto& u : job.systemdUnits) {
            auto r = m.sh("systemctl start " + shellQuote(u));
            if (!r.succeeded()) {
                failures.push_back("job " + job.name + ": unit " + u +
                                   (restored ? " does not start after the restore: " : " does not start: ") +
                                   ctx.redactor.apply(r.describe()) + "\n" + unitEvidence(ctx, u));
                return;
            }
        }
        // On a NixOS guest the module installs the command on PATH; elsewhere the drill did.
        std::string file = shellQuote(job.healthFile);
        auto r = m.sh("h=/usr/local/bin/" + file + "; [ -x \"$h\" ] || h=" + file + "; \"$h\" --wait");
        ctx.note("job " + job.name + ": " + job.healthFile + " --wait (exit " + std::to_string(r.exitCode) + "):\n" +
                 ctx.redactor.apply(r.out + r.err));
        auto ready = std::chrono::steady_clock::now();
        if (r.exitCode == 1) {
            std::string evidence;
            for (const auto& u : job.systemdUnits) {
                evidence += unitEvidence(ctx, u);
            }
            failures.push_back("job " + job.name + ": " + (restored ? "restored, but its" : "its") +
                               " services are not ready within " + std::to_string(job.healthTimeout) + " s" +
                               (restored ? "" : " (no in-place restore before this step)") + ":\n" +
                               ctx.redactor.apply(r.out) + evidence);
            return;
        }
        if (!r.succeeded()) {
            // 2 (usage), 127 (no such command), a cut command: the check itself could not run.
            throw util::SystemError("job " + job.name + ": " + job.healthFile +
                                    " could not run: " + ctx.redactor.apply(r.describe()));
        }
        ctx.caseProperties()["ready." + job.name] = secondsText(ready - started);
        if (restored) {
            ctx.caseProperties()["rto." + job.name] = secondsText(ready - restore->second);
            ctx.note("job " + job.name + ": recovery time (in-place restore start to ready) " +
                     secondsText(ready - restore->second) + " s");
            ctx.ledger.restoreStarted.erase(restore); // measured once, from its own restore
        }
    }

    static std::string unitEvidence(DrillContext& ctx, const std::string& unit) {
        auto& m = ctx.client();
        return "--- " + unit + ": " + m.activeState(unit) + " ---\n" +
               ctx.redactor.apply(m.sh("journalctl --no-pager -n 10 -u " + shellQuote(unit)).out);
    }
};

} // namespace

FamilyPtr serviceFamily() {
    return std::make_unique<Service>();
}

} // namespace nixdrill::engine::steps
