///@file restore: a backup's snapshots restored with restic restore --verify, to a scratch
/// directory or in place, and compared entry by entry with what the backup read.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/steps/steps.hpp"

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;
using nlohmann::json;

namespace {

class Restore final : public drill::StepFamily {
public:
    std::string_view name() const override { return "restore"; }
    std::vector<std::string> actions() const override { return {"restore"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "restore" ? std::vector<std::string>{"snapshot", "inPlace"} : std::vector<std::string>{};
    }
    bool retryable(const std::string&) const override { return true; } // it rewrites its own target
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action != "restore") {
            return;
        }
        step.inPlace = in.reader.boolean(in.json, in.pointer, "inPlace", false);
        step.snapshot = scenario::snapshotRef(in, "snapshot");
        if (in.history.backups == 0) {
            in.reader.fail(in.pointer, "a restore needs a backup step before it");
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "restore"; }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        unsigned number = ctx.ledger.numberOf(step);
        auto snaps = ctx.ledger.snapshots.find(number);
        if (snaps == ctx.ledger.snapshots.end()) {
            throw drill::StepFailed("backup " + std::to_string(number) + " made no snapshots to restore");
        }
        std::vector<model::Mismatch> mismatches;
        std::vector<std::string> problems; // what other families found in the restored trees
        for (const auto& job : ctx.plan.jobs) {
            const auto& id = snaps->second[job.name];
            if (id.empty()) {
                mismatches.push_back({"/jobs/" + job.name, json("a snapshot of backup " + std::to_string(number)),
                                      std::nullopt, "no snapshot"});
                continue;
            }
            std::string target = step.inPlace ? "/" : "/var/tmp/nixdrill-restore/" + step.name + "/" + job.name;
            if (step.inPlace) {
                // A scratch restore brings no service back: only in place starts a recovery time.
                ctx.ledger.restoreStarted[job.name] = std::chrono::steady_clock::now();
            }
            restoreJob(ctx, job, id, number, target, step.inPlace);
            drill::RestoredTree tree{job, number, target};
            ctx.forEachFamily([&](drill::StepFamily& f) { f.restored(ctx, tree, problems); });
            if (ctx.options.afterRestore) {
                ctx.options.afterRestore(ctx.client().guest(), target);
            }
            compare(ctx, job, number, target, mismatches);
        }
        // Built before the move: argument evaluation order is unspecified.
        std::string message;
        for (const auto& p : problems) {
            message += p + "\n";
        }
        if (!problems.empty() || !mismatches.empty()) {
            message += std::to_string(mismatches.size()) + " difference(s) between the restored data and backup " +
                       std::to_string(number) + "'s manifest";
            throw drill::StepFailed(message, std::move(mismatches));
        }
    }

private:
    static void restoreJob(DrillContext& ctx, const DrillJob& job, const std::string& id, unsigned number,
                           const std::string& target, bool inPlace) {
        auto& m = ctx.client();
        if (inPlace && job.postRestore) {
            restoreByScript(ctx, job, id, number);
            return;
        }
        std::string cmd = drill::resticEnv(job);
        if (inPlace) {
            // Restore replaces the data: stop the services, remove what is there, restore, start.
            for (const auto& u : job.systemdUnits) {
                cmd += "systemctl stop " + shellQuote(u) + "; ";
            }
            for (const auto& p : job.paths) {
                cmd += "rm -rf -- " + shellQuote(p) + "; ";
            }
        } else {
            cmd += "rm -rf -- " + shellQuote(target) + "; mkdir -p " + shellQuote(target) + "; ";
        }
        cmd += "restic restore --verify " + shellQuote(id) + " --target " + shellQuote(target);
        auto r = m.sh(cmd);
        if (inPlace) {
            for (const auto& u : job.systemdUnits) {
                m.sh("systemctl start " + shellQuote(u));
            }
        }
        ctx.note("job " + job.name + ": restored snapshot " + id.substr(0, 8) + " of backup " + std::to_string(number) +
                 " to " + target + " (exit " + std::to_string(r.exitCode) + ")");
        if (!r.succeeded()) {
            throw drill::StepFailed("restic restore of job " + job.name +
                                    " failed: " + ctx.redactor.apply(r.describe()));
        }
    }

    /// The contract's way back (restore-<job>.sh: units stopped, restic restore, units started,
    /// postRestore), as a person would run it after a loss; what was there is removed first.
    static void restoreByScript(DrillContext& ctx, const DrillJob& job, const std::string& id, unsigned number) {
        auto& m = ctx.client();
        std::string cmd;
        for (const auto& p : job.paths) {
            cmd += "rm -rf -- " + shellQuote(p) + "; ";
        }
        // On a NixOS guest the module installs the script on PATH; elsewhere the drill did.
        std::string file = shellQuote(job.restoreFile);
        cmd += "s=/usr/local/bin/" + file + "; [ -x \"$s\" ] || s=" + file + "; \"$s\" " + shellQuote(id);
        auto r = m.sh(cmd);
        ctx.note("job " + job.name + ": " + job.restoreFile + " " + id.substr(0, 8) + " (backup " +
                 std::to_string(number) + ", exit " + std::to_string(r.exitCode) + "):\n" +
                 ctx.redactor.apply(r.out + r.err));
        if (r.exitCode == 2 || r.exitCode == 126 || r.exitCode == 127) {
            throw util::SystemError(job.restoreFile + " could not run: " + ctx.redactor.apply(r.describe()));
        }
        if (!r.succeeded()) {
            throw drill::StepFailed("the rendered " + job.restoreFile + " of job " + job.name +
                                    " failed: " + ctx.redactor.apply(r.describe()));
        }
    }

    static void compare(DrillContext& ctx, const DrillJob& job, unsigned number, const std::string& target,
                        std::vector<model::Mismatch>& mismatches) {
        // What the drill's data needs back (a mutant's added exclude does not shrink it).
        auto expected =
            verify::withoutExcluded(ctx.ledger.manifests[number][job.name], drill::dataExcludes(ctx.drill, job));
        auto actual = drill::manifestOf(ctx.client(), target, drill::dataPaths(job));
        auto differences = verify::compareManifests(expected, actual.entries);
        ctx.note("job " + job.name + ": " + std::to_string(expected.size()) + " entries expected, " +
                 std::to_string(actual.entries.size()) + " restored, " + std::to_string(differences.size()) +
                 " differences");
        for (auto& mm : verify::toMismatches(differences)) {
            mm.pointer = "/jobs/" + job.name + mm.pointer;
            mismatches.push_back(std::move(mm));
        }
    }
};

} // namespace

FamilyPtr restoreFamily() {
    return std::make_unique<Restore>();
}

} // namespace nixdrill::engine::steps
