///@file check-service: the jobs' services start and pass their contracts' readiness checks (the
/// rendered health-<job>.sh --wait); after an in-place restore, the recovery time is measured.
/// Before any backup it shows the checks pass on the live services (so a later failure is the
/// restore's, not the check's). The step's own `checks` then ask the application (a query that
/// must return the seeded rows).
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
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "check-service" ? std::vector<std::string>{"checks"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action != "check-service" || !in.json.contains("checks")) {
            return;
        }
        auto p = in.pointer + "/checks";
        const auto& checks = in.json["checks"];
        if (!checks.is_array() || checks.empty()) {
            in.reader.fail(p, "expected a non-empty list of {name, command, expect}");
        }
        for (std::size_t i = 0; i < checks.size(); ++i) {
            auto pi = p + "/" + std::to_string(i);
            if (!checks[i].is_object()) {
                in.reader.fail(pi, "expected an object {name, command, expect}");
            }
            in.reader.onlyKeys(checks[i], pi, {"name", "command", "expect"});
            if (in.reader.string(checks[i], pi, "command", "").empty()) {
                in.reader.fail(pi + "/command", "must be set to a shell command");
            }
            in.reader.string(checks[i], pi, "name", "");
            in.reader.string(checks[i], pi, "expect", "");
        }
    }
    // Not retryable: a recovery time is measured once, from its own restore.
    bool runs(const model::DrillStep& step) const override { return step.action == "check-service"; }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
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
        if (failures.empty() && step.params.contains("checks")) {
            const auto& checks = step.params.at("checks");
            for (std::size_t i = 0; i < checks.size(); ++i) {
                applicationCheck(ctx, checks[i], i, failures);
            }
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

    /// One of the step's checks, once the services are ready: a wrong answer is the restore's
    /// fault (Failed); a command that is not there cannot judge anything (Broken).
    static void applicationCheck(DrillContext& ctx, const nlohmann::ordered_json& check, std::size_t i,
                                 std::vector<std::string>& failures) {
        auto command = check.value("command", "");
        auto expect = check.value("expect", "");
        auto label = check.value("name", "check " + std::to_string(i + 1));
        auto r = ctx.client().sh("bash -uo pipefail -c " + shellQuote(command) + " </dev/null");
        auto out = ctx.redactor.apply(r.out + r.err);
        ctx.note("application check '" + label + "' (exit " + std::to_string(r.exitCode) + "):\n" + out);
        if (r.exitCode == 126 || r.exitCode == 127) {
            throw util::SystemError("application check '" + label + "' could not run: " + out);
        }
        if (!r.succeeded()) {
            failures.push_back("application check '" + label + "' failed (exit " + std::to_string(r.exitCode) +
                               "): " + out);
        } else if (!expect.empty() && r.out.find(expect) == std::string::npos) {
            failures.push_back("application check '" + label + "': expected '" + expect +
                               "' in its output, got: " + out);
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
