///@file The drill: boot a guest, run the rendered backup jobs in it, restore and verify.
#include "engine/drill_runner.hpp"

#include "faults/fault.hpp"
#include "guest/errors.hpp"
#include "scenario/drill_parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"
#include "verify/manifest.hpp"
#include "verify/restic.hpp"
#include "verify/seed_data.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <sstream>

namespace nixdrill::engine {

using guest::shellQuote;
using model::CaseResult;
using model::Outcome;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

/// An expectation of the drill was not met: the step is Failed (not Broken).
class StepFailed : public util::Error {
public:
    StepFailed(std::string message, std::vector<model::Mismatch> mismatches = {})
        : util::Error(std::move(message)), mismatches_(std::move(mismatches)) {}
    const std::vector<model::Mismatch>& mismatches() const noexcept { return mismatches_; }

private:
    std::vector<model::Mismatch> mismatches_;
};

std::vector<std::string> stringList(const json& j, const std::string& pointer) {
    std::vector<std::string> out;
    if (j.is_null()) {
        return out;
    }
    if (!j.is_array()) {
        throw util::InputError(pointer + ": expected a list of strings");
    }
    for (const auto& x : j) {
        if (!x.is_string()) {
            throw util::InputError(pointer + ": expected a list of strings");
        }
        out.push_back(x.get<std::string>());
    }
    return out;
}

std::string stringOr(const json& j, const char* key, const std::string& fallback = "") {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// "Key=value" lines of `systemctl show`.
std::map<std::string, std::string> parseShow(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) {
            out[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return out;
}

double microsToSeconds(const std::string& text) {
    try {
        return static_cast<double>(std::stoull(text)) / 1e6;
    } catch (const std::exception&) {
        return -1;
    }
}

std::string fmt(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", seconds);
    return buf;
}

std::string randomSecret() {
    std::random_device rd;
    std::string out;
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 40; ++i) {
        out += hex[rd() % 16];
    }
    return out;
}

std::string unitFileOfProbe(const std::string& unit) {
    // Records when it starts and stops (seconds since boot, the clock systemd's monotonic
    // timestamps use) so the drill can prove it was down while restic read its data.
    std::string log = "/var/log/nixdrill-probe/" + unit;
    return "[Unit]\nDescription=nixdrill probe service " + unit +
           "\n\n[Service]\nExecStartPre=/bin/sh -c 'mkdir -p /var/log/nixdrill-probe; echo start $(cut -d\" \" -f1 "
           "/proc/uptime) >> " +
           log +
           "'\nExecStart=/bin/sleep infinity\nExecStopPost=/bin/sh -c 'echo stop $(cut -d\" \" -f1 /proc/uptime) >> " +
           log + "'\n";
}

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

class DrillRun {
public:
    DrillRun(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& guest, const DrillOptions& options)
        : scenario_(scenario), drill_(*scenario.drill), plan_(plan), guest_(guest), options_(options),
          stepTimeout_(std::chrono::seconds(drill_.stepTimeoutSeconds)) {}

    std::vector<CaseResult> run() {
        bool broken = false;
        runCase("0-provision", "drill:provision", broken, [&] { provision(); });
        unsigned backups = 0;
        for (const auto& step : drill_.steps) {
            // Fault steps are grouped by fault kind (reports, Prometheus), not by action.
            std::string kind = step.fault ? "drill:fault:" + std::string(scenario::toString(step.fault->kind))
                                          : "drill:" + std::string(scenario::toString(step.action));
            runCase(step.name, kind, broken, [&] {
                switch (step.action) {
                case model::StepAction::Backup:
                    if (step.fault) {
                        faultyBackup(++backups, *step.fault);
                    } else {
                        backup(++backups);
                    }
                    break;
                case model::StepAction::Inject:
                    injectFault(*step.fault, backups);
                    break;
                case model::StepAction::Mutate:
                    mutate();
                    break;
                case model::StepAction::Damage:
                    damage();
                    break;
                case model::StepAction::Restore:
                    restore(step, step.snapshot == "latest" ? backups : std::stoul(step.snapshot));
                    break;
                case model::StepAction::VerifyRepository:
                    verifyRepository(step.readDataSubset);
                    break;
                case model::StepAction::CheckMetrics:
                    checkMetrics();
                    break;
                case model::StepAction::AdvanceClock:
                    advanceClock(step.days);
                    break;
                }
            });
        }
        return std::move(cases_);
    }

private:
    // --- case bookkeeping ---

    void note(const std::string& line) { evidence_ += line + "\n"; }

    template <typename F> void runCase(const std::string& name, const std::string& kind, bool& broken, F&& body) {
        CaseResult c;
        c.name = name;
        c.scenario = scenario_.name;
        c.classname = scenario_.name;
        c.kind = kind;
        evidence_.clear();
        auto start = Clock::now();
        if (broken) {
            c.outcome = Outcome::Skipped;
            c.message = "not run: an earlier step broke";
        } else {
            try {
                body();
            } catch (const StepFailed& e) {
                c.outcome = Outcome::Failed;
                c.message = e.describe();
                c.mismatches = e.mismatches();
            } catch (const util::Error& e) {
                c.outcome = Outcome::Broken;
                c.message = e.describe();
                broken = true;
                if (options_.consoleTail) {
                    note("--- serial console (tail) ---\n" + options_.consoleTail());
                }
            } catch (const std::exception& e) {
                c.outcome = Outcome::Broken;
                c.message = std::string("internal error: ") + e.what();
                broken = true;
            }
        }
        c.durationSeconds = std::chrono::duration<double>(Clock::now() - start).count();
        c.message = redactor_.apply(c.message);
        c.output = redactor_.apply(evidence_);
        for (auto& m : c.mismatches) {
            if (m.expected && m.expected->is_string()) {
                *m.expected = redactor_.apply(m.expected->get<std::string>());
            }
            if (m.actual && m.actual->is_string()) {
                *m.actual = redactor_.apply(m.actual->get<std::string>());
            }
        }
        if (options_.onCase) {
            options_.onCase(c);
        }
        cases_.push_back(std::move(c));
    }

    // --- guest helpers ---

    guest::ExecResult sh(const std::string& command) { return guest_.exec(command, stepTimeout_); }

    /// Runs a command that must succeed for the drill to go on: failing means the harness or
    /// the guest is broken, not the backup system.
    guest::ExecResult must(const std::string& command) {
        auto r = sh(command);
        if (!r.succeeded()) {
            throw guest::CommandFailed(redactor_.apply(r.describe()));
        }
        return r;
    }

    std::string resticEnv(const DrillJob& job) const {
        std::string env = "export RESTIC_REPOSITORY=" + shellQuote(job.repository) +
                          " RESTIC_PASSWORD_FILE=" + shellQuote(job.passwordFile) +
                          " RESTIC_CACHE_DIR=/var/cache/nixdrill-restic; ";
        if (!job.environmentFile.empty()) {
            env += "set -a; . " + shellQuote(job.environmentFile) + "; set +a; ";
        }
        return env;
    }

    verify::ParsedManifest manifestOf(const std::string& root, const std::vector<std::string>& paths) {
        std::string cmd = "bash -c " + shellQuote(verify::manifestScript()) + " manifest " + shellQuote(root);
        for (const auto& p : paths) {
            cmd += " " + shellQuote(p);
        }
        auto r = must(cmd);
        try {
            return verify::parseManifest(r.out);
        } catch (util::Error& e) {
            e.addContext("while reading the manifest of " + root);
            throw;
        }
    }

    static std::string serviceOf(const DrillJob& job) {
        if (!job.source.empty()) {
            return job.source;
        }
        return job.name.rfind("service-", 0) == 0 ? job.name.substr(8) : job.name;
    }

    // --- steps ---

    void provision() {
        auto t0 = Clock::now();
        guest_.start();
        note("booted " + guest_.name() + " to agent in " +
             fmt(std::chrono::duration<double>(Clock::now() - t0).count()) + " s");

        must("mkdir -p /usr/local/bin /etc/systemd/system /var/log/nixdrill-probe /var/cache/nixdrill-restic");
        for (const auto& [name, text] : plan_.files) {
            bool script = name.size() > 3 && name.compare(name.size() - 3, 3, ".sh") == 0;
            std::string path = (script ? "/usr/local/bin/" : "/etc/systemd/system/") + name;
            guest_.writeFile(path, text);
            if (script) {
                must("chmod 0755 " + shellQuote(path));
            }
        }

        std::set<std::string> units;
        for (const auto& job : plan_.jobs) {
            units.insert(job.systemdUnits.begin(), job.systemdUnits.end());
        }
        for (const auto& unit : units) {
            if (unit.size() > 8 && unit.compare(unit.size() - 8, 8, ".service") == 0) {
                guest_.writeFile("/etc/systemd/system/" + unit, unitFileOfProbe(unit));
                probes_.push_back(unit);
            } else if (unit.size() > 6 && unit.compare(unit.size() - 6, 6, ".timer") == 0) {
                std::string base = unit.substr(0, unit.size() - 6);
                guest_.writeFile("/etc/systemd/system/" + unit, "[Timer]\nOnCalendar=yearly\n");
                guest_.writeFile("/etc/systemd/system/" + base + ".service",
                                 "[Service]\nType=oneshot\nExecStart=/bin/true\n");
            } else {
                throw util::InputError("drill: cannot provide unit '" + unit +
                                       "' in the guest (only .service and .timer units are simulated)");
            }
        }

        std::set<std::string> secrets;
        for (const auto& job : plan_.jobs) {
            if (secrets.insert(job.passwordFile).second) {
                // A fresh password per run, only ever written into the guest's file.
                auto secret = randomSecret();
                redactor_.add(secret);
                must("mkdir -p " + shellQuote(dirOf(job.passwordFile)));
                guest_.writeFile(job.passwordFile, secret + "\n");
                must("chmod 0600 " + shellQuote(job.passwordFile));
            }
            if (!job.environmentFile.empty() && secrets.insert(job.environmentFile).second) {
                must("mkdir -p " + shellQuote(dirOf(job.environmentFile)));
                guest_.writeFile(job.environmentFile, "# nixdrill: a local repository needs no credentials\n");
            }
            if (!job.metricsFile.empty()) {
                must("mkdir -p " + shellQuote(dirOf(job.metricsFile)));
            }
        }
        must("systemctl daemon-reload");
        if (!probes_.empty()) {
            std::string cmd = "systemctl start";
            for (const auto& u : probes_) {
                cmd += " " + shellQuote(u);
            }
            must(cmd);
        }
        note("installed " + std::to_string(plan_.files.size()) + " rendered files and " +
             std::to_string(probes_.size()) + " probe units");

        seedData();
    }

    static std::string dirOf(const std::string& path) {
        auto slash = path.rfind('/');
        return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }

    void seedData() {
        std::vector<verify::SeedEntry> all;
        for (const auto& job : plan_.jobs) {
            model::SeedData spec;
            if (auto it = drill_.data.find(serviceOf(job)); it != drill_.data.end()) {
                spec = it->second;
            }
            verify::SeedSpec s{spec.files, spec.maxFileSize, spec.depth, spec.symlinks, spec.nonAscii, job.exclude};
            for (const auto& path : job.paths) {
                auto entries = verify::planSeed(path, s, drill_.seed);
                all.insert(all.end(), entries.begin(), entries.end());
            }
        }
        seed_ = all;
        util::TempDir dir("nixdrill-seed-");
        auto tar = dir.path() / "seed.tar";
        verify::writeSeedArchive(all, dir.path() / "root", tar);
        auto data = util::readFile(tar);
        guest_.writeFile("/var/tmp/nixdrill-seed.tar", data);
        must("tar --numeric-owner -xpf /var/tmp/nixdrill-seed.tar -C / && rm -f /var/tmp/nixdrill-seed.tar");
        note("seeded " + std::to_string(all.size()) + " entries (" + std::to_string(data.size()) +
             " bytes of tar) from seed " + std::to_string(drill_.seed));
    }

    /// When restic read the data in the job's run that began after `since` (seconds since
    /// boot): the job script logs "restic backup starting" and "... finished" to the journal,
    /// whose monotonic timestamps are used. (-1, -1) when the markers are missing.
    std::pair<double, double> resticWindow(const DrillJob& job, double since) {
        std::string query = "journalctl --no-pager -o json -u " + shellQuote(job.unit);
        std::string marker = "nixdrill[" + job.name + "]: restic backup ";
        double start = -1;
        double finish = -1;
        // journald takes the job's output asynchronously: give it a few seconds to arrive.
        for (int attempt = 0; attempt < 20 && finish < 0; ++attempt) {
            if (attempt > 0) {
                sh("sleep 0.5");
            }
            std::istringstream in(sh(query).out);
            std::string line;
            while (std::getline(in, line)) {
                json entry;
                try {
                    entry = json::parse(line);
                } catch (const json::exception&) {
                    continue;
                }
                auto message = stringOr(entry, "MESSAGE");
                double at = microsToSeconds(stringOr(entry, "__MONOTONIC_TIMESTAMP"));
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

    double uptime() {
        auto r = must("cut -d' ' -f1 /proc/uptime");
        try {
            return std::stod(r.out);
        } catch (const std::exception&) {
            throw util::SystemError("cannot read the guest's uptime: '" + r.out + "'");
        }
    }

    void backup(unsigned number) {
        // What each snapshot must contain: the live data just before the job runs. Units are
        // stopped by the job itself, and the probe services do not write, so this is stable.
        auto& manifests = manifests_[number];
        for (const auto& job : plan_.jobs) {
            auto m = manifestOf("/", job.paths);
            if (!m.missingRoots.empty()) {
                note("job " + job.name + ": paths missing before the backup: " + m.missingRoots.front());
            }
            manifests[job.name] = std::move(m.entries);
        }

        double since = uptime();
        std::string cmd = "systemctl start";
        for (const auto& job : plan_.jobs) {
            cmd += " " + shellQuote(job.unit);
        }
        // One transaction: systemd itself orders the jobs by their rendered After= lines.
        auto started = sh(cmd);
        note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));

        std::vector<std::string> failures;
        std::map<std::string, std::pair<double, double>> windows; // unit -> restic start/exit (s since boot)
        for (const auto& job : plan_.jobs) {
            auto show = parseShow(must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
            auto window = resticWindow(job, since);
            windows[job.unit] = window;
            note("job " + job.name + ": result " + show["Result"] + ", exit status " + show["ExecMainStatus"] +
                 ", restic read the data " + fmt(window.first) + "-" + fmt(window.second) + " s after boot");
            if (show["Result"] != "success") {
                failures.push_back("job " + job.name + " ended with result '" + show["Result"] + "' (status " +
                                   show["ExecMainStatus"] + ")");
                note(sh("journalctl --no-pager -n 40 -u " + shellQuote(job.unit)).out);
            } else if (window.first < 0 || window.second < 0) {
                failures.push_back("job " + job.name + " succeeded but its journal has no restic backup start/finish");
            }
        }

        // Rendered ordering: a job starts after every job it is ordered after has finished.
        for (const auto& job : plan_.jobs) {
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

        // Units stopped while restic read their data, and running again afterwards.
        for (const auto& job : plan_.jobs) {
            auto [s, e] = windows[job.unit];
            for (const auto& unit : job.systemdUnits) {
                if (std::find(probes_.begin(), probes_.end(), unit) == probes_.end()) {
                    continue;
                }
                auto events = parseProbe(sh("cat " + shellQuote("/var/log/nixdrill-probe/" + unit)).out);
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
                auto active = sh("systemctl is-active " + shellQuote(unit)).out;
                while (!active.empty() && active.back() == '\n') {
                    active.pop_back();
                }
                note("unit " + unit + " (job " + job.name + "): stopped at " + fmt(stopAt) + " s, restic " + fmt(s) +
                     "-" + fmt(e) + " s, started again at " + fmt(restartAt) + " s, now " + active);
                if (!stoppedBefore || startedDuring) {
                    failures.push_back("unit " + unit + " was not stopped while job " + job.name + " ran restic");
                }
                if (!startedAfter || active != "active") {
                    failures.push_back("unit " + unit + " is not running after job " + job.name + " (state '" + active +
                                       "')");
                }
            }
        }

        // The snapshot each job made.
        for (const auto& job : plan_.jobs) {
            std::string cmd2 = resticEnv(job) + "restic snapshots --json";
            for (const auto& p : job.paths) {
                cmd2 += " --path " + shellQuote(p);
            }
            auto r = sh(cmd2);
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
            auto previous = number > 1 ? snapshots_[number - 1][job.name] : "";
            if (id.empty() || id == previous) {
                failures.push_back("job " + job.name + " made no new snapshot" +
                                   (r.succeeded() ? "" : ": " + redactor_.apply(r.describe())));
            } else {
                note("job " + job.name + ": snapshot " + id.substr(0, 8));
            }
            snapshots_[number][job.name] = id;
        }
        if (!failures.empty()) {
            std::string msg;
            for (const auto& f : failures) {
                msg += (msg.empty() ? "" : "\n") + f;
            }
            throw StepFailed(msg);
        }
    }

    // --- faults ---

    /// A value of the job's metrics file: the sample of `metric`, or the `category` label of
    /// restic_backup_last_run_info when metric is "category". "" when absent.
    static std::string metricValue(const std::string& text, const std::string& metric) {
        std::istringstream in(text);
        std::string line;
        bool category = metric == "category";
        std::string name = category ? "restic_backup_last_run_info{" : metric + "{";
        while (std::getline(in, line)) {
            if (line.rfind(name, 0) != 0) {
                continue;
            }
            if (category) {
                auto at = line.find("category=\"");
                if (at == std::string::npos) {
                    return "";
                }
                at += 10;
                return line.substr(at, line.find('"', at) - at);
            }
            return line.substr(line.rfind(' ') + 1);
        }
        return "";
    }

    std::string metricsText(const DrillJob& job) {
        if (job.metricsFile.empty()) {
            return "";
        }
        auto r = sh("cat " + shellQuote(job.metricsFile) + " 2>/dev/null");
        return r.succeeded() ? r.out : "";
    }

    std::set<std::string> snapshotIds(const DrillJob& job) {
        std::set<std::string> ids;
        auto r = sh(resticEnv(job) + "restic snapshots --json");
        if (!r.succeeded()) {
            // No repository yet (a fault on the first backup): no snapshots.
            note("no snapshots listed in " + job.repository + ": " + redactor_.apply(r.describe()));
            return ids;
        }
        try {
            for (const auto& snap : verify::parseSnapshots(r.out)) {
                ids.insert(snap.id);
            }
        } catch (const util::InputError& e) {
            throw util::SystemError(e.message());
        }
        return ids;
    }

    /// The targets of a fault: every distinct repository of the drill's jobs.
    std::vector<std::pair<const DrillJob*, faults::Target>> faultTargets() const {
        std::vector<std::pair<const DrillJob*, faults::Target>> out;
        std::set<std::string> seen;
        for (const auto& job : plan_.jobs) {
            if (seen.insert(job.repository).second) {
                out.push_back({&job, faults::Target{job.repository, job.passwordFile}});
            }
        }
        return out;
    }

    /// A backup with a fault in place for its length: the jobs run, the fault is reverted, and
    /// the declared outcome is compared with what the run did (metrics, units, snapshots).
    void faultyBackup(unsigned number, const model::Fault& fault) {
        const auto& expect = fault.expect;
        struct Before {
            std::string lastSuccess;
            std::set<std::string> snapshots;
        };
        std::map<std::string, Before> before;
        std::map<std::string, std::string> fingerprints;
        for (const auto& job : plan_.jobs) {
            before[job.name] = {metricValue(metricsText(job), "restic_backup_last_success_timestamp"),
                                snapshotIds(job)};
            manifests_[number][job.name] = manifestOf("/", job.paths).entries;
            fingerprints[job.repository] = faults::repositoryFingerprint(guest_, job.repository, stepTimeout_);
        }
        // Timestamps have one-second resolution: "advanced" must be distinguishable from "kept".
        sh("sleep 1");

        std::vector<faults::Injected> injected;
        auto other = randomSecret();
        redactor_.add(other);
        for (const auto& [job, target] : faultTargets()) {
            auto i = faults::inject(guest_, fault.kind, target, drill_.seed, other, stepTimeout_);
            note("injected " + std::string(scenario::toString(fault.kind)) + ": " + i.description);
            injected.push_back(std::move(i));
        }
        std::string cmd = "systemctl start";
        for (const auto& job : plan_.jobs) {
            cmd += " " + shellQuote(job.unit);
        }
        auto started = sh(cmd);
        note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));
        for (const auto& i : injected) {
            faults::revert(guest_, i, stepTimeout_);
        }
        note("reverted the fault");

        std::vector<std::string> failures;
        auto compare = [&](const std::string& what, const std::string& expected, const std::string& actual) {
            note(what + ": expected " + expected + ", actual " + actual);
            if (expected != actual) {
                failures.push_back(what + ": expected " + expected + ", actual " + actual);
            }
        };
        for (const auto& job : plan_.jobs) {
            auto show = parseShow(must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
            note("job " + job.name + ": unit result " + show["Result"] + ", exit status " + show["ExecMainStatus"]);
            note(sh("journalctl --no-pager -n 15 -u " + shellQuote(job.unit)).out);
            auto metrics = metricsText(job);
            if ((expect.category || expect.status || expect.lastSuccess) && metrics.empty()) {
                failures.push_back("job " + job.name + " wrote no metrics file (expected outcomes name metrics)");
                continue;
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
                auto was = before[job.name].lastSuccess;
                auto now = metricValue(metrics, "restic_backup_last_success_timestamp");
                std::string actual = now == was ? "kept" : "advanced";
                compare(prefix + "last success (" + (was.empty() ? "none" : was) + " -> " + now + ")",
                        *expect.lastSuccess, actual);
            }
            // A snapshot the run made anyway becomes this backup's, for later restore steps.
            std::string id;
            for (const auto& a : snapshotIds(job)) {
                if (!before[job.name].snapshots.contains(a)) {
                    id = a;
                }
            }
            if (!id.empty()) {
                snapshots_[number][job.name] = id;
            }
            if (expect.snapshot) {
                compare(prefix + "new snapshot", *expect.snapshot ? "yes" : "no", id.empty() ? "no" : "yes");
            }
            if (expect.unitsRunning) {
                for (const auto& unit : job.systemdUnits) {
                    auto active = sh("systemctl is-active " + shellQuote(unit)).out;
                    while (!active.empty() && active.back() == '\n') {
                        active.pop_back();
                    }
                    compare(prefix + "unit " + unit + " running", *expect.unitsRunning ? "yes" : "no",
                            active == "active" ? "yes" : "no (" + active + ")");
                }
            }
        }
        if (expect.repositoryUnchanged) {
            for (const auto& [repo, print] : fingerprints) {
                auto now = faults::repositoryFingerprint(guest_, repo, stepTimeout_);
                compare("repository " + repo + " unchanged", *expect.repositoryUnchanged ? "yes" : "no",
                        now == print ? "yes" : "no");
            }
        }
        if (!failures.empty()) {
            std::string msg =
                "fault " + std::string(scenario::toString(fault.kind)) + " did not lead to the declared outcome:";
            for (const auto& f : failures) {
                msg += "\n" + f;
            }
            throw StepFailed(msg);
        }
    }

    /// A fault injected between steps (repository corruption), then the declared detection:
    /// restic check --read-data fails, restoring the latest snapshot fails.
    void injectFault(const model::Fault& fault, unsigned backups) {
        const auto& expect = fault.expect;
        std::vector<std::string> failures;
        for (const auto& [job, target] : faultTargets()) {
            auto i = faults::inject(guest_, fault.kind, target, drill_.seed, "", stepTimeout_);
            note("injected " + std::string(scenario::toString(fault.kind)) + ": " + i.description);
            auto prefix = "repository " + job->repository + ": ";
            if (expect.checkDetects) {
                auto r = sh(resticEnv(*job) + "restic check --read-data >/var/tmp/nixdrill-check.log 2>&1; rc=$?; "
                                              "tail -n 20 /var/tmp/nixdrill-check.log; exit $rc");
                note("restic check --read-data: exit " + std::to_string(r.exitCode) + "\n" + r.out);
                bool detected = !r.succeeded();
                if (detected != *expect.checkDetects) {
                    failures.push_back(prefix + "restic check --read-data: expected " +
                                       (*expect.checkDetects ? "to detect the fault" : "no error") + ", actual " +
                                       (detected ? "exit " + std::to_string(r.exitCode) : "no error found"));
                }
            }
            if (expect.restoreFails) {
                auto snaps = snapshots_.find(backups);
                if (snaps == snapshots_.end() || snaps->second[job->name].empty()) {
                    throw StepFailed("backup " + std::to_string(backups) + " made no snapshot to restore");
                }
                const auto& id = snaps->second[job->name];
                std::string target = "/var/tmp/nixdrill-restore/fault/" + job->name;
                auto again = sh(resticEnv(*job) + "rm -rf -- " + shellQuote(target) + "; restic restore --verify " +
                                shellQuote(id) + " --target " + shellQuote(target) +
                                " >/var/tmp/nixdrill-restore.log 2>&1; rc=$?; tail -n 20 "
                                "/var/tmp/nixdrill-restore.log; exit $rc");
                note("restic restore --verify " + id.substr(0, 8) + ": exit " + std::to_string(again.exitCode) + "\n" +
                     again.out);
                bool failed = !again.succeeded();
                if (failed != *expect.restoreFails) {
                    failures.push_back(prefix + "restoring snapshot " + id.substr(0, 8) + ": expected " +
                                       (*expect.restoreFails ? "to fail" : "to succeed") + ", actual " +
                                       (failed ? "exit " + std::to_string(again.exitCode) : "succeeded"));
                }
            }
        }
        if (!failures.empty()) {
            std::string msg =
                "fault " + std::string(scenario::toString(fault.kind)) + " did not lead to the declared outcome:";
            for (const auto& f : failures) {
                msg += "\n" + f;
            }
            throw StepFailed(msg);
        }
    }

    void mutate() {
        must("bash -c " + shellQuote(verify::mutationScript(seed_, drill_.seed)));
        note("mutated the live data deterministically (seed " + std::to_string(drill_.seed) + ")");
    }

    void damage() {
        // An incident: a file deleted and another one overwritten in every job's data.
        for (const auto& job : plan_.jobs) {
            std::vector<std::string> files;
            for (const auto& e : seed_) {
                bool inJob = std::any_of(job.paths.begin(), job.paths.end(), [&](const std::string& p) {
                    return e.path.rfind(p == "/" ? "/" : p + "/", 0) == 0;
                });
                if (inJob && e.kind == verify::SeedKind::File && !verify::isExcluded(e.path, job.exclude)) {
                    files.push_back(e.path);
                }
            }
            if (files.size() >= 2) {
                must("rm -f -- " + shellQuote(files[0]) + "; printf 'damaged by the drill' > " + shellQuote(files[1]));
                note("job " + job.name + ": deleted " + files[0] + ", overwrote " + files[1]);
            }
        }
    }

    void restore(const model::DrillStep& step, unsigned number) {
        auto snaps = snapshots_.find(number);
        if (snaps == snapshots_.end()) {
            throw StepFailed("backup " + std::to_string(number) + " made no snapshots to restore");
        }
        std::vector<model::Mismatch> mismatches;
        for (const auto& job : plan_.jobs) {
            const auto& id = snaps->second[job.name];
            if (id.empty()) {
                mismatches.push_back({"/jobs/" + job.name, json("a snapshot of backup " + std::to_string(number)),
                                      std::nullopt, "no snapshot"});
                continue;
            }
            std::string target = step.inPlace ? "/" : "/var/tmp/nixdrill-restore/" + step.name + "/" + job.name;
            std::string cmd = resticEnv(job);
            if (step.inPlace) {
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
            auto r = sh(cmd);
            if (step.inPlace) {
                for (const auto& u : job.systemdUnits) {
                    sh("systemctl start " + shellQuote(u));
                }
            }
            note("job " + job.name + ": restored snapshot " + id.substr(0, 8) + " of backup " + std::to_string(number) +
                 " to " + target + " (exit " + std::to_string(r.exitCode) + ")");
            if (!r.succeeded()) {
                throw StepFailed("restic restore of job " + job.name + " failed: " + redactor_.apply(r.describe()));
            }
            if (options_.afterRestore) {
                options_.afterRestore(guest_, target);
            }
            auto expected = verify::withoutExcluded(manifests_[number][job.name], job.exclude);
            auto actual = manifestOf(target, job.paths);
            auto differences = verify::compareManifests(expected, actual.entries);
            note("job " + job.name + ": " + std::to_string(expected.size()) + " entries expected, " +
                 std::to_string(actual.entries.size()) + " restored, " + std::to_string(differences.size()) +
                 " differences");
            for (auto& m : verify::toMismatches(differences)) {
                m.pointer = "/jobs/" + job.name + m.pointer;
                mismatches.push_back(std::move(m));
            }
        }
        if (!mismatches.empty()) {
            // Built before the move: argument evaluation order is unspecified.
            std::string message = std::to_string(mismatches.size()) +
                                  " difference(s) between the restored data and backup " + std::to_string(number) +
                                  "'s manifest";
            throw StepFailed(message, std::move(mismatches));
        }
    }

    void advanceClock(unsigned days) {
        auto r = must("date -u -s @$(( $(date +%s) + " + std::to_string(days) + " * 86400 )) +%FT%TZ");
        note("guest clock moved forward " + std::to_string(days) + " day(s): now " + r.out);
    }

    void verifyRepository(const std::string& subset) {
        std::set<std::string> done;
        std::vector<std::string> failures;
        for (const auto& job : plan_.jobs) {
            if (!done.insert(job.repository).second) {
                continue;
            }
            std::vector<std::string> variants = {""};
            if (!subset.empty()) {
                variants.push_back(subset); // reads (part of) the pack data too, not only the index
            }
            for (const auto& extra : variants) {
                std::string what = "restic check" + (extra.empty() ? "" : " --read-data-subset=" + extra);
                std::string cmd =
                    resticEnv(job) + "restic check" + (extra.empty() ? "" : " --read-data-subset=" + shellQuote(extra));
                auto r = sh(cmd);
                note(what + " on " + job.repository + ": exit " + std::to_string(r.exitCode));
                if (!r.succeeded()) {
                    failures.push_back(what + " failed on " + job.repository + ": " + redactor_.apply(r.describe()));
                }
            }
        }
        if (!failures.empty()) {
            std::string msg;
            for (const auto& f : failures) {
                msg += (msg.empty() ? "" : "\n") + f;
            }
            throw StepFailed(msg);
        }
    }

    void checkMetrics() {
        std::vector<std::string> failures;
        unsigned checked = 0;
        for (const auto& job : plan_.jobs) {
            if (job.metricsFile.empty()) {
                continue;
            }
            ++checked;
            auto r = sh("cat " + shellQuote(job.metricsFile));
            if (!r.succeeded()) {
                failures.push_back("job " + job.name + " wrote no metrics file " + job.metricsFile);
                continue;
            }
            note("--- " + job.metricsFile + " ---\n" + r.out);
            util::ProcessOptions po;
            po.input = r.out;
            po.deadline = std::chrono::seconds(60);
            auto check = util::runProcess({options_.promtool, "check", "metrics"}, po);
            if (check.exitCode != 0) {
                failures.push_back(job.metricsFile + " fails promtool check metrics: " + check.out + check.err);
            }
            bool statusOk = false;
            std::istringstream in(r.out);
            std::string line;
            while (std::getline(in, line)) {
                if (line.rfind("restic_backup_status{", 0) == 0 && line.size() > 2 &&
                    line.compare(line.size() - 2, 2, " 1") == 0) {
                    statusOk = true;
                }
            }
            if (!statusOk) {
                failures.push_back(job.metricsFile + " does not say restic_backup_status 1");
            }
        }
        if (checked == 0) {
            throw StepFailed("no job writes metrics (monitoring.prometheus.enable is false)");
        }
        if (!failures.empty()) {
            std::string msg;
            for (const auto& f : failures) {
                msg += (msg.empty() ? "" : "\n") + f;
            }
            throw StepFailed(msg);
        }
    }

    const model::Scenario& scenario_;
    const model::Drill& drill_;
    const DrillPlan& plan_;
    guest::Guest& guest_;
    const DrillOptions& options_;
    std::chrono::milliseconds stepTimeout_;
    util::Redactor redactor_;
    std::string evidence_;
    std::vector<CaseResult> cases_;
    std::vector<std::string> probes_;
    std::vector<verify::SeedEntry> seed_;
    std::map<unsigned, std::map<std::string, verify::Manifest>> manifests_; // backup -> job -> manifest
    std::map<unsigned, std::map<std::string, std::string>> snapshots_;      // backup -> job -> id
};

} // namespace

DrillPlan planFromEvaluation(const json& value) {
    if (!value.contains("backup") || !value["backup"].is_object()) {
        throw util::InputError(
            "/backup: the evaluation rendered no backup jobs (does the scenario enable modules.backup?)");
    }
    const auto& b = value["backup"];
    DrillPlan plan;
    if (!b.contains("jobOrder") || !b["jobOrder"].is_array() || b["jobOrder"].empty()) {
        throw util::InputError("/backup/jobOrder: no jobs to drill");
    }
    for (const auto& nameJson : b["jobOrder"]) {
        auto name = nameJson.get<std::string>();
        std::string p = "/backup/jobs/" + util::escapePointerToken(name);
        if (!b.contains("jobs") || !b["jobs"].contains(name)) {
            throw util::InputError(p + ": missing");
        }
        const auto& j = b["jobs"][name];
        DrillJob job;
        job.name = name;
        job.source = j.value("kind", "") == "registration" ? stringOr(j, "source") : "";
        job.unit = stringOr(j, "unitName", "restic-backups-" + name + ".service");
        job.after = stringList(j.value("after", json::array()), p + "/after");
        job.paths = stringList(j.value("paths", json::array()), p + "/paths");
        job.exclude = stringList(j.value("exclude", json::array()), p + "/exclude");
        job.systemdUnits = stringList(j.value("systemdUnits", json::array()), p + "/systemdUnits");
        job.repository = stringOr(j, "repository");
        job.passwordFile = stringOr(j, "passwordFile");
        job.environmentFile = stringOr(j, "environmentFile");
        job.metricsFile = stringOr(j, "metricsFile");
        if (job.paths.empty() || job.repository.empty() || job.passwordFile.empty()) {
            throw util::InputError(p + ": a drillable job has paths, a repository and a passwordFile");
        }
        if (job.repository.find(':') != std::string::npos) {
            throw util::InputError(p +
                                   "/repository: a drill only writes to a repository inside its own guest "
                                   "(a local path), not \"" +
                                   job.repository + "\"");
        }
        plan.jobs.push_back(std::move(job));
    }
    if (b.contains("files") && b["files"].is_object()) {
        for (const auto& [name, text] : b["files"].items()) {
            if (text.is_string()) {
                plan.files[name] = text.get<std::string>();
            }
        }
    }
    return plan;
}

std::vector<model::CaseResult> runDrill(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& guest,
                                        const DrillOptions& options) {
    if (!scenario.drill) {
        throw util::InputError(scenario.file + ": /drill: the scenario has no drill");
    }
    DrillRun run(scenario, plan, guest, options);
    return run.run();
}

} // namespace nixdrill::engine
