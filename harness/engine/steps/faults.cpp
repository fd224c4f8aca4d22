///@file Faults (docs/drill-format.md, "Faults"): a backup with a fault in place for its length,
/// judged against the fault's declared outcome, and faults injected between steps (repository
/// corruption) with their declared detection. Each fault injects and reverts itself
/// (harness/faults); this family orchestrates the run around it.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/retention.hpp"
#include "engine/steps/steps.hpp"
#include "faults/fault.hpp"
#include "faults/kind.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::fmt;
using drill::metricValue;
using guest::shellQuote;

namespace {

const std::string& faultName(const model::Fault& fault) {
    return fault.kind;
}

/// io-errors: a seeded, non-empty, covered file of the job's first path with a plain ASCII
/// name (debugfs reads it from a command line), chosen by the seed.
std::string victimFile(const DrillContext& ctx, const DrillJob& job) {
    std::vector<std::string> files;
    const auto& root = job.paths.front();
    for (const auto& e : ctx.seed) {
        bool plain = std::all_of(e.path.begin(), e.path.end(),
                                 [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; });
        if (e.kind == verify::SeedKind::File && !e.content.empty() && plain && e.path.rfind(root + "/", 0) == 0 &&
            !verify::isExcluded(e.path, drill::dataExcludes(ctx.drill, job))) {
            files.push_back(e.path);
        }
    }
    return files.empty() ? "" : files[ctx.drill.seed % files.size()];
}

/// The targets of a fault: every distinct repository of the drill's jobs.
std::vector<std::pair<const DrillJob*, faults::Target>> faultTargets(const DrillContext& ctx) {
    std::vector<std::pair<const DrillJob*, faults::Target>> out;
    std::set<std::string> seen;
    for (const auto& job : ctx.plan.jobs) {
        if (seen.insert(job.repository).second) {
            out.push_back({&job, faults::Target{job.repository, job.passwordFile, job.paths.front(),
                                                victimFile(ctx, job), job.name, job.zfsDataset}});
        }
    }
    return out;
}

/// After `systemctl start --no-block`: until every job unit has ended (ExecStopPost included).
void waitForJobs(DrillContext& ctx) {
    std::string cmd = "for i in $(seq 2400); do busy=0; for u in" + drill::jobUnits(ctx.plan) +
                      "; do case $(systemctl show -p ActiveState --value \"$u\") in inactive|failed) ;; *) "
                      "busy=1 ;; esac; done; [ $busy = 0 ] && exit 0; sleep 0.25; done; exit 1";
    if (!ctx.client().sh(cmd).succeeded()) {
        throw util::SystemError("the backup jobs did not end within 10 minutes of the fault");
    }
}

/// A power cut during the run: the domain destroyed and booted again from the same disks,
/// then what a real system recreates at boot.
void powerCut(DrillContext& ctx) {
    auto& m = ctx.client();
    auto t0 = std::chrono::steady_clock::now();
    m.guest().powerCycle(std::chrono::seconds(ctx.drill.bootTimeoutSeconds));
    ctx.note("power cut (domain destroyed) and booted again from the same disks in " +
             fmt(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) + " s");
    // The agent answers before the boot has finished: wait for it (enabled services started).
    auto booted = m.sh("systemctl is-system-running --wait");
    ctx.note("system state after the boot: " + booted.out);
    // Boot-time state a real system recreates: the secrets under /run.
    ctx.writeSecrets();
    // The probes' logs count seconds since boot: the old boot's lines would mix with the new.
    m.must("for f in /var/log/nixdrill-probe/*; do [ -e \"$f\" ] && : > \"$f\"; done; true");
    for (const auto& unit : ctx.probes) {
        ctx.note("after the boot: " + unit + " " + m.activeState(unit));
    }
}

/// The run of the jobs with the fault acting on it: a plain run for faults put in place
/// beforehand; for kill-mid-backup and power-loss the jobs start without waiting, and the
/// fault hits restic once it holds its lock and has written a pack.
void runFaultedJobs(DrillContext& ctx, const model::Fault& fault, const std::string& repository) {
    auto& m = ctx.client();
    auto units = drill::jobUnits(ctx.plan);
    auto effect = faults::kindOf(fault).jobEffect();
    if (effect == faults::JobEffect::None) {
        auto started = m.sh("systemctl start" + units);
        ctx.note("$ systemctl start" + units + "\n  exit " + std::to_string(started.exitCode));
        return;
    }
    bool kill = effect == faults::JobEffect::Kill;
    if (!kill) {
        // What was written before this backup has long reached the disk on a real machine
        // (writeback runs every few seconds); the power cut is to hit this backup only.
        m.must("sync");
    }
    m.must("systemctl start --no-block" + units);
    auto r = m.sh(faults::resticWritingCommand(repository, kill, 300));
    ctx.note(r.out);
    if (!r.succeeded()) {
        throw util::SystemError("fault " + faultName(fault) + " could not be injected: " + r.out);
    }
    if (kill) {
        ctx.note("sent SIGKILL to restic");
        waitForJobs(ctx);
        return;
    }
    powerCut(ctx);
}

const std::set<std::string> categories = {
    "ok",     "fatal",   "incomplete", "repository_missing", "locked",  "wrong_password", "interrupted",
    "killed", "timeout", "oom",        "prepare_failed",     "storage", "unknown"};

/// The fault's kind and whether it fits the step and the drill; the kind's own keys and checks.
model::Fault parseFaultKind(const scenario::StepInput& in, const nlohmann::ordered_json& f, const std::string& p,
                            const std::string& action) {
    const auto& r = in.reader;
    auto name = r.string(f, p, "kind", "");
    const auto* kind = faults::faultKindNamed(name);
    if (!kind) {
        r.fail(p + "/kind", "unknown fault kind \"" + name + "\" (known: " + faults::knownFaultKinds() + ")");
    }
    if (kind->duringBackup() && action != "backup") {
        r.fail(p + "/kind", "fault \"" + name + "\" is injected during a backup step, not an " + action + " step");
    }
    if (!kind->duringBackup() && action != "inject") {
        r.fail(p + "/kind", "fault \"" + name + "\" is injected by an inject step between steps");
    }
    auto own = kind->keys();
    for (const auto& [key, value] : f.items()) {
        if (key == "kind" || key == "expect" || std::find(own.begin(), own.end(), key) != own.end()) {
            continue;
        }
        for (const auto* other : faults::faultKinds()) {
            auto theirs = other->keys();
            if (std::find(theirs.begin(), theirs.end(), key) != theirs.end()) {
                r.fail(p + "/" + key, "only applies to the " + std::string(other->name()) + " fault");
            }
        }
    }
    model::Fault fault;
    fault.kind = name;
    kind->parse(r, f, p, in.drill, fault);
    return fault;
}

/// Every key a fault object may have: kind, expect and each kind's own.
std::set<std::string> faultKeys() {
    std::set<std::string> keys{"kind", "expect"};
    for (const auto* k : faults::faultKinds()) {
        for (auto& key : k->keys()) {
            keys.insert(std::move(key));
        }
    }
    return keys;
}

/// A step's fault: its kind and its declared expected outcome.
model::Fault parseFault(const scenario::StepInput& in, const nlohmann::ordered_json& f, const std::string& p,
                        const std::string& action) {
    const auto& r = in.reader;
    r.onlyKeys(f, p, faultKeys());
    auto fault = parseFaultKind(in, f, p, action);
    if (!f.contains("expect")) {
        r.fail(p + "/expect", "a fault needs a declared expected outcome");
    }
    const auto& e = f["expect"];
    std::string ep = p + "/expect";
    if (faults::kindOf(fault).duringBackup()) {
        r.onlyKeys(e, ep,
                   {"category", "status", "lastSuccess", "unitsRunning", "snapshot", "repositoryUnchanged", "lockLeft",
                    "retentionHolds"});
    } else {
        r.onlyKeys(e, ep, {"checkDetects", "restoreFails"});
    }
    if (e.empty()) {
        r.fail(ep, "declare at least one expected outcome");
    }
    auto& x = fault.expect;
    if (e.contains("category")) {
        x.category = r.string(e, ep, "category", "");
        if (!categories.contains(*x.category)) {
            r.fail(ep + "/category", "unknown category \"" + *x.category + "\" (see docs/backup-module.md)");
        }
    }
    if (e.contains("status")) {
        x.status = static_cast<int>(r.number(e, ep, "status", 0, 0, 1));
    }
    if (e.contains("lastSuccess")) {
        x.lastSuccess = r.string(e, ep, "lastSuccess", "");
        if (*x.lastSuccess != "kept" && *x.lastSuccess != "advanced") {
            r.fail(ep + "/lastSuccess", "expected \"kept\" or \"advanced\"");
        }
    }
    auto flag = [&](const char* key, std::optional<bool>& out) {
        if (e.contains(key)) {
            out = r.boolean(e, ep, key, false);
        }
    };
    flag("unitsRunning", x.unitsRunning);
    flag("snapshot", x.snapshot);
    flag("repositoryUnchanged", x.repositoryUnchanged);
    flag("checkDetects", x.checkDetects);
    flag("restoreFails", x.restoreFails);
    flag("lockLeft", x.lockLeft);
    flag("retentionHolds", x.retentionHolds);
    return fault;
}

class Faults final : public drill::StepFamily {
public:
    std::string_view name() const override { return "faults"; }
    std::vector<std::string> actions() const override { return {"inject"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "backup" || action == "inject" ? std::vector<std::string>{"fault"}
                                                        : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (in.json.contains("fault")) {
            step.fault = parseFault(in, in.json["fault"], in.pointer + "/fault", step.action);
        } else if (step.action == "inject") {
            in.reader.fail(in.pointer + "/fault", "an inject step needs a fault");
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.fault.has_value(); }
    std::string caseKind(const model::DrillStep& step) const override {
        // Grouped by fault kind (reports, Prometheus), not by action.
        return "drill:fault:" + faultName(*step.fault);
    }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        if (step.action == "inject") {
            injectBetweenSteps(ctx, *step.fault);
        } else {
            faultyBackup(ctx, step);
        }
    }

private:
    struct Before {
        std::string lastSuccess;
        std::set<std::string> snapshots;
        std::vector<verify::Snapshot> listed;
    };

    /// A backup with a fault in place for its length: the jobs run, the fault is reverted, and
    /// the declared outcome is compared with what the run did (metrics, units, snapshots).
    static void faultyBackup(DrillContext& ctx, const model::DrillStep& step) {
        auto& m = ctx.client();
        const auto& fault = *step.fault;
        unsigned number = ++ctx.ledger.backups;
        std::map<std::string, Before> before;
        std::map<std::string, std::string> fingerprints;
        for (const auto& job : ctx.plan.jobs) {
            before[job.name] = {metricValue(drill::metricsText(m, job), "restic_backup_last_success_timestamp"),
                                drill::snapshotIds(ctx, job),
                                fault.expect.retentionHolds ? drill::allSnapshots(ctx, job)
                                                            : std::vector<verify::Snapshot>{}};
            fingerprints[job.repository] = faults::repositoryFingerprint(m.guest(), job.repository, m.stepTimeout());
        }
        // io-errors makes the data unreadable: its manifest is taken before (same bytes).
        bool manifestAfterInjection = !faults::kindOf(fault).hidesData();
        if (!manifestAfterInjection) {
            recordManifests(ctx, number);
        }
        // Timestamps have one-second resolution: "advanced" must be distinguishable from "kept".
        m.sh("sleep 1");
        std::vector<std::string> failures;
        drill::BackupWindow window{number, step, &fault, failures};
        ctx.forEachFamily([&](drill::StepFamily& f) { f.beforeJobs(ctx, window); });

        std::vector<faults::Injected> injected;
        auto other = ctx.newSecret();
        auto targets = faultTargets(ctx);
        for (const auto& [job, target] : targets) {
            auto i = faults::inject(m.guest(), fault, target, ctx.drill.seed, other, m.stepTimeout());
            ctx.note("injected " + faultName(fault) + ": " + i.description);
            injected.push_back(std::move(i));
        }
        if (manifestAfterInjection) {
            // What this backup must contain: the data as the fault left it (disk-full grows it).
            recordManifests(ctx, number);
        }
        runFaultedJobs(ctx, fault, targets.front().second.repository);
        for (const auto& i : injected) {
            faults::revert(m.guest(), i, m.stepTimeout());
        }
        ctx.note("reverted the fault");

        auto compare = [&](const std::string& what, const std::string& expected, const std::string& actual) {
            ctx.note(what + ": expected " + expected + ", actual " + actual);
            if (expected != actual) {
                failures.push_back(what + ": expected " + expected + ", actual " + actual);
            }
        };
        for (const auto& job : ctx.plan.jobs) {
            judgeJob(ctx, job, number, fault.expect, before[job.name], compare, failures);
        }
        ctx.forEachFamily([&](drill::StepFamily& f) { f.judgeRun(ctx, window); });
        judgeRepositories(ctx, fault.expect, fingerprints, compare);
        drill::failIfAny(failures, "fault " + faultName(fault) + " did not lead to the declared outcome:");
    }

    static void recordManifests(DrillContext& ctx, unsigned number) {
        for (const auto& job : ctx.plan.jobs) {
            ctx.ledger.manifests[number][job.name] = drill::manifestOf(ctx.client(), "/", job.paths).entries;
        }
    }

    /// One job's declared outcome: metrics, the snapshot, its units, retention.
    static void judgeJob(DrillContext& ctx, const DrillJob& job, unsigned number, const model::FaultExpect& expect,
                         const Before& before, const Compare& compare, std::vector<std::string>& failures) {
        auto& m = ctx.client();
        auto show = drill::parseShow(m.must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
        ctx.note("job " + job.name + ": unit result " + show["Result"] + ", exit status " + show["ExecMainStatus"]);
        ctx.note(m.sh("journalctl --no-pager -n 15 -u " + shellQuote(job.unit)).out);
        for (const auto& unit : job.systemdUnits) {
            ctx.note(m.sh("journalctl --no-pager -n 6 -u " + shellQuote(unit)).out);
        }
        auto metrics = drill::metricsText(m, job);
        if ((expect.category || expect.status || expect.lastSuccess) && metrics.empty()) {
            failures.push_back("job " + job.name + " wrote no metrics file (expected outcomes name metrics)");
            return;
        }
        std::string prefix = "job " + job.name + ": ";
        if (expect.category) {
            compare(prefix + "category", *expect.category, metricValue(metrics, "category"));
        }
        if (expect.status) {
            compare(prefix + "restic_backup_status", std::to_string(*expect.status),
                    metricValue(metrics, "restic_backup_status"));
        }
        if (expect.lastSuccess) {
            auto was = before.lastSuccess;
            auto now = metricValue(metrics, "restic_backup_last_success_timestamp");
            std::string actual = now == was ? "kept" : "advanced";
            compare(prefix + "last success (" + (was.empty() ? "none" : was) + " -> " + now + ")", *expect.lastSuccess,
                    actual);
        }
        // A snapshot the run made anyway becomes this backup's, for later restore steps.
        std::string id;
        for (const auto& a : drill::snapshotIds(ctx, job)) {
            if (!before.snapshots.contains(a)) {
                id = a;
            }
        }
        if (!id.empty()) {
            ctx.ledger.snapshots[number][job.name] = id;
        }
        if (expect.snapshot) {
            compare(prefix + "new snapshot", *expect.snapshot ? "yes" : "no", id.empty() ? "no" : "yes");
        }
        if (expect.unitsRunning) {
            for (const auto& unit : job.systemdUnits) {
                auto active = m.activeState(unit);
                compare(prefix + "unit " + unit + " running", *expect.unitsRunning ? "yes" : "no",
                        active == "active" ? "yes" : "no (" + active + ")");
            }
        }
        if (expect.retentionHolds) {
            checkRetention(ctx, job, before.listed, compare);
        }
    }

    static void judgeRepositories(DrillContext& ctx, const model::FaultExpect& expect,
                                  std::map<std::string, std::string>& fingerprints, const Compare& compare) {
        auto& m = ctx.client();
        std::set<std::string> repositories;
        for (const auto& job : ctx.plan.jobs) {
            repositories.insert(job.repository);
        }
        for (const auto& repo : repositories) {
            if (expect.repositoryUnchanged) {
                auto now = faults::repositoryFingerprint(m.guest(), repo, m.stepTimeout());
                compare("repository " + repo + " unchanged", *expect.repositoryUnchanged ? "yes" : "no",
                        now == fingerprints[repo] ? "yes" : "no");
            }
            if (expect.lockLeft) {
                auto locks = faults::lockCount(m.guest(), repo, m.stepTimeout());
                ctx.note("repository " + repo + ": " + std::to_string(locks) + " lock file(s)");
                compare("repository " + repo + " lock left", *expect.lockLeft ? "yes" : "no", locks > 0 ? "yes" : "no");
            }
        }
    }

    /// A fault injected between steps (repository corruption), then the declared detection:
    /// restic check --read-data fails, restoring the latest snapshot fails.
    static void injectBetweenSteps(DrillContext& ctx, const model::Fault& fault) {
        auto& m = ctx.client();
        std::vector<std::string> failures;
        for (const auto& [job, target] : faultTargets(ctx)) {
            auto i = faults::inject(m.guest(), fault, target, ctx.drill.seed, "", m.stepTimeout());
            ctx.note("injected " + faultName(fault) + ": " + i.description);
            auto prefix = "repository " + job->repository + ": ";
            if (fault.expect.checkDetects) {
                checkDetects(ctx, *job, *fault.expect.checkDetects, prefix, failures);
            }
            if (fault.expect.restoreFails) {
                restoreFails(ctx, *job, *fault.expect.restoreFails, prefix, failures);
            }
        }
        drill::failIfAny(failures, "fault " + faultName(fault) + " did not lead to the declared outcome:");
    }

    static void checkDetects(DrillContext& ctx, const DrillJob& job, bool expected, const std::string& prefix,
                             std::vector<std::string>& failures) {
        auto r = ctx.client().sh(drill::resticEnv(job) +
                                 "restic check --read-data >/var/tmp/nixdrill-check.log 2>&1; rc=$?; "
                                 "tail -n 20 /var/tmp/nixdrill-check.log; exit $rc");
        ctx.note("restic check --read-data: exit " + std::to_string(r.exitCode) + "\n" + r.out);
        bool detected = !r.succeeded();
        if (detected != expected) {
            failures.push_back(prefix + "restic check --read-data: expected " +
                               (expected ? "to detect the fault" : "no error") + ", actual " +
                               (detected ? "exit " + std::to_string(r.exitCode) : "no error found"));
        }
    }

    static void restoreFails(DrillContext& ctx, const DrillJob& job, bool expected, const std::string& prefix,
                             std::vector<std::string>& failures) {
        unsigned backups = ctx.ledger.backups;
        auto snaps = ctx.ledger.snapshots.find(backups);
        if (snaps == ctx.ledger.snapshots.end() || snaps->second[job.name].empty()) {
            throw drill::StepFailed("backup " + std::to_string(backups) + " made no snapshot to restore");
        }
        const auto& id = snaps->second[job.name];
        std::string target = "/var/tmp/nixdrill-restore/fault/" + job.name;
        auto again = ctx.client().sh(drill::resticEnv(job) + "rm -rf -- " + shellQuote(target) +
                                     "; restic restore --verify " + shellQuote(id) + " --target " + shellQuote(target) +
                                     " >/var/tmp/nixdrill-restore.log 2>&1; rc=$?; tail -n 20 "
                                     "/var/tmp/nixdrill-restore.log; exit $rc");
        ctx.note("restic restore --verify " + id.substr(0, 8) + ": exit " + std::to_string(again.exitCode) + "\n" +
                 again.out);
        bool failed = !again.succeeded();
        if (failed != expected) {
            failures.push_back(prefix + "restoring snapshot " + id.substr(0, 8) + ": expected " +
                               (expected ? "to fail" : "to succeed") + ", actual " +
                               (failed ? "exit " + std::to_string(again.exitCode) : "succeeded"));
        }
    }
};

} // namespace

FamilyPtr faultsFamily() {
    return std::make_unique<Faults>();
}

} // namespace nixdrill::engine::steps
