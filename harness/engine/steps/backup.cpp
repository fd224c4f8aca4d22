///@file backup: every rendered job runs through systemd in one transaction; the run is judged
/// by the jobs' results, restic's read window against the rendered ordering and the stopped
/// units, and the snapshot each job made.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"

#include <algorithm>
#include <sstream>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::fmt;
using guest::shellQuote;
using nlohmann::json;

namespace {

/// restic's read window of each job unit: (start, finish) in seconds since boot.
using Windows = std::map<std::string, std::pair<double, double>>;

struct ProbeEvent {
    bool start = false;
    double at = 0;
};

std::vector<ProbeEvent> parseProbe(const std::string& text) {
    std::vector<ProbeEvent> out;
    std::istringstream in(text);
    std::string kind;
    double at = 0;
    while (in >> kind >> at) {
        out.push_back({kind == "start", at});
    }
    return out;
}

/// When restic read the data in the job's run that began after `since` (seconds since
/// boot): the job script logs "restic backup starting" and "... finished" to the journal,
/// whose monotonic timestamps are used. (-1, -1) when the markers are missing.
std::pair<double, double> resticWindow(drill::Machine& m, const DrillJob& job, double since) {
    std::string query = "journalctl --no-pager -o json -u " + shellQuote(job.unit);
    std::string marker = "nixdrill[" + job.name + "]: restic backup ";
    double start = -1;
    double finish = -1;
    // journald takes the job's output asynchronously: give it a few seconds to arrive.
    for (int attempt = 0; attempt < 20 && finish < 0; ++attempt) {
        if (attempt > 0) {
            m.sh("sleep 0.5");
        }
        std::istringstream in(m.sh(query).out);
        std::string line;
        while (std::getline(in, line)) {
            json entry;
            try {
                entry = json::parse(line);
            } catch (const json::exception&) {
                continue;
            }
            auto message = drill::stringOr(entry, "MESSAGE");
            double at = drill::microsToSeconds(drill::stringOr(entry, "__MONOTONIC_TIMESTAMP"));
            if (at < since) {
                continue;
            }
            if (message.find(marker + "starting") != std::string::npos) {
                start = at;
            } else if (message.find(marker + "finished") != std::string::npos) {
                finish = at;
            }
        }
    }
    return {start, finish};
}

class Backup final : public drill::StepFamily {
public:
    std::string_view name() const override { return "backup"; }
    std::vector<std::string> actions() const override { return {"backup"}; }
    bool makesBackup(const model::DrillStep&) const override { return true; }
    bool runs(const model::DrillStep& step) const override { return step.action == "backup" && !step.fault; }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        auto& m = ctx.client();
        unsigned number = ++ctx.ledger.backups;
        // What each snapshot must contain is listed in the guest as restic begins reading
        // (the capture and ZFS families' judgeRun), after the job's prepare and hooks.
        std::vector<std::string> failures;
        drill::BackupWindow window{number, step, nullptr, failures};
        ctx.forEachFamily([&](drill::StepFamily& f) { f.beforeJobs(ctx, window); });

        double since = m.uptime();
        std::string cmd = "systemctl start" + drill::jobUnits(ctx.plan);
        // One transaction: systemd itself orders the jobs by their rendered After= lines.
        auto started = m.sh(cmd);
        ctx.note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));
        ctx.forEachFamily([&](drill::StepFamily& f) { f.jobsEnded(ctx, window); });

        auto windows = judgeJobs(ctx, since, failures);
        ctx.forEachFamily([&](drill::StepFamily& f) { f.judgeRun(ctx, window); });
        checkOrdering(ctx, windows, failures);
        checkUnits(ctx, windows, since, failures);
        recordSnapshots(ctx, number, failures);
        drill::failIfAny(failures);
    }

private:
    static Windows judgeJobs(DrillContext& ctx, double since, std::vector<std::string>& failures) {
        auto& m = ctx.client();
        Windows windows;
        for (const auto& job : ctx.plan.jobs) {
            auto show =
                drill::parseShow(m.must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
            auto window = resticWindow(m, job, since);
            windows[job.unit] = window;
            ctx.note("job " + job.name + ": result " + show["Result"] + ", exit status " + show["ExecMainStatus"] +
                     ", restic read the data " + fmt(window.first) + "-" + fmt(window.second) + " s after boot");
            if (show["Result"] != "success") {
                failures.push_back("job " + job.name + " ended with result '" + show["Result"] + "' (status " +
                                   show["ExecMainStatus"] + ")");
                ctx.note(m.sh("journalctl --no-pager -n 40 -u " + shellQuote(job.unit)).out);
            } else if (window.first < 0 || window.second < 0) {
                failures.push_back("job " + job.name + " succeeded but its journal has no restic backup start/finish");
            }
        }
        return windows;
    }

    /// Rendered ordering: a job starts after every job it is ordered after has finished.
    static void checkOrdering(DrillContext& ctx, Windows& windows, std::vector<std::string>& failures) {
        for (const auto& job : ctx.plan.jobs) {
            for (const auto& before : job.after) {
                auto it = windows.find(before);
                if (it == windows.end()) {
                    continue;
                }
                if (windows[job.unit].first < it->second.second) {
                    failures.push_back("job " + job.name + " started at " + fmt(windows[job.unit].first) +
                                       " s, before " + before + " finished at " + fmt(it->second.second) + " s");
                }
            }
        }
    }

    /// Units stopped while restic read their data, and running again afterwards.
    static void checkUnits(DrillContext& ctx, Windows& windows, double since, std::vector<std::string>& failures) {
        for (const auto& job : ctx.plan.jobs) {
            for (const auto& unit : job.systemdUnits) {
                if (std::find(ctx.probes.begin(), ctx.probes.end(), unit) != ctx.probes.end()) {
                    checkUnit(ctx, job, unit, windows[job.unit], since, failures);
                }
            }
        }
    }

    static void checkUnit(DrillContext& ctx, const DrillJob& job, const std::string& unit,
                          std::pair<double, double> window, double since, std::vector<std::string>& failures) {
        auto& m = ctx.client();
        auto [s, e] = window;
        auto events = parseProbe(m.sh("cat " + shellQuote("/var/log/nixdrill-probe/" + unit)).out);
        // The last stop before restic began; no start between it and restic's end; the
        // first start after restic's end is the restart.
        double stopAt = -1;
        for (const auto& ev : events) {
            if (!ev.start && ev.at <= s) {
                stopAt = std::max(stopAt, ev.at);
            }
        }
        bool stoppedBefore = stopAt >= 0;
        bool startedDuring = false;
        double restartAt = -1;
        for (const auto& ev : events) {
            if (ev.start && stoppedBefore && ev.at > stopAt && ev.at < e) {
                startedDuring = true;
            }
            if (ev.start && ev.at >= e && (restartAt < 0 || ev.at < restartAt)) {
                restartAt = ev.at;
            }
        }
        bool startedAfter = restartAt >= 0;
        auto active = m.activeState(unit);
        if (drill::isSnapshotJob(job)) {
            // Stopped only around the snapshot (backup.useSnapshots): down in this run,
            // and up again before restic began reading the snapshot.
            double upAt = -1;
            for (const auto& ev : events) {
                if (ev.start && stopAt >= since && ev.at > stopAt && ev.at <= s && (upAt < 0 || ev.at < upAt)) {
                    upAt = ev.at;
                }
            }
            ctx.note("unit " + unit + " (snapshot job " + job.name + "): stopped at " + fmt(stopAt) +
                     " s, started again at " + fmt(upAt) + " s, restic " + fmt(s) + "-" + fmt(e) + " s, now " + active);
            if (stopAt < since || upAt < 0) {
                failures.push_back("unit " + unit + " was not stopped and started again around job " + job.name +
                                   "'s ZFS snapshot (before restic read it)");
            }
            if (active != "active") {
                failures.push_back("unit " + unit + " is not running after job " + job.name + " (state '" + active +
                                   "')");
            }
            return;
        }
        ctx.note("unit " + unit + " (job " + job.name + "): stopped at " + fmt(stopAt) + " s, restic " + fmt(s) + "-" +
                 fmt(e) + " s, started again at " + fmt(restartAt) + " s, now " + active);
        if (!stoppedBefore || startedDuring) {
            failures.push_back("unit " + unit + " was not stopped while job " + job.name + " ran restic");
        }
        if (!startedAfter || active != "active") {
            failures.push_back("unit " + unit + " is not running after job " + job.name + " (state '" + active + "')");
        }
    }

    /// The snapshot each job made: the newest of the paths restic read.
    static void recordSnapshots(DrillContext& ctx, unsigned number, std::vector<std::string>& failures) {
        auto& m = ctx.client();
        for (const auto& job : ctx.plan.jobs) {
            std::string cmd = drill::resticEnv(job) + "restic snapshots --json";
            // A snapshot job's restic snapshot holds the ZFS snapshot's paths.
            for (const auto& p : drill::isSnapshotJob(job) ? ctx.ledger.pathsRead[number][job.name] : job.paths) {
                cmd += " --path " + shellQuote(p);
            }
            auto r = m.sh(cmd);
            std::string id;
            std::string newest;
            if (r.succeeded()) {
                std::vector<verify::Snapshot> snaps;
                try {
                    snaps = verify::parseSnapshots(r.out);
                } catch (const util::InputError& e) {
                    // restic's own output: unreadable means the harness cannot judge (Broken).
                    throw util::SystemError(e.message());
                }
                for (const auto& snap : snaps) {
                    if (snap.time >= newest) {
                        newest = snap.time;
                        id = snap.id;
                    }
                }
            }
            auto previous = number > 1 ? ctx.ledger.snapshots[number - 1][job.name] : "";
            if (id.empty() || id == previous) {
                failures.push_back("job " + job.name + " made no new snapshot" +
                                   (r.succeeded() ? "" : ": " + ctx.redactor.apply(r.describe())));
            } else {
                ctx.note("job " + job.name + ": snapshot " + id.substr(0, 8));
            }
            ctx.ledger.snapshots[number][job.name] = id;
        }
    }
};

} // namespace

FamilyPtr backupFamily() {
    return std::make_unique<Backup>();
}

} // namespace nixdrill::engine::steps
