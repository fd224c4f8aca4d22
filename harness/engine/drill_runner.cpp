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
#include "verify/retention.hpp"
#include "verify/seed_data.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
    // Test seam (tests/vm/secrets.sh): a recognisable prefix on every generated secret, so a test
    // can search reports, logs and console captures for it. Still random after the prefix.
    const char* planted = std::getenv("NIXDRILL_TEST_PLANTED_SECRET");
    std::string out = planted != nullptr ? planted : "";
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 40; ++i) {
        out += hex[rd() % 16];
    }
    return out;
}

std::string unitFileOfProbe(const std::string& unit) {
    // Records when it starts and stops (seconds since boot, the clock systemd's monotonic
    // timestamps use) so the drill can prove it was down while restic read its data. While the
    // unit-refuses-to-stop marker exists its ExecStop hangs until TimeoutStopSec. Enabled, so
    // it is running again after a power cut, as a real service would be.
    std::string log = "/var/log/nixdrill-probe/" + unit;
    return "[Unit]\nDescription=nixdrill probe service " + unit +
           "\n\n[Service]\nExecStartPre=/bin/sh -c 'mkdir -p /var/log/nixdrill-probe; echo start $(cut -d\" \" -f1 "
           "/proc/uptime) >> " +
           log + "'\nExecStart=/bin/sleep infinity\nExecStop=/bin/sh -c 'if [ -e " +
           std::string(faults::unitStopMarker) +
           " ]; then exec sleep 3600; fi'\nTimeoutStopSec=" + std::to_string(faults::probeStopTimeoutSeconds) +
           "s\nExecStopPost=/bin/sh -c 'echo stop $(cut -d\" \" -f1 /proc/uptime) >> " + log +
           "'\n\n[Install]\nWantedBy=multi-user.target\n";
}

/// psql's unaligned output of one row: the fields between '|', trailing newlines dropped.
std::vector<std::string> psqlFields(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t bar; (bar = text.find('|', start)) != std::string::npos; start = bar + 1) {
        out.push_back(text.substr(start, bar - start));
    }
    out.push_back(text.substr(start));
    return out;
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
          stepTimeout_(std::chrono::seconds(drill_.stepTimeoutSeconds)),
          configuredStepTimeout_(std::chrono::seconds(drill_.stepTimeoutSeconds)) {}

    std::vector<CaseResult> run() {
        bool broken = false;
        runCase("0-provision", "drill:provision", broken, 0, [&] { provision(); });
        unsigned backups = 0;
        for (const auto& step : drill_.steps) {
            // Fault steps are grouped by fault kind (reports, Prometheus), not by action.
            std::string kind = step.fault ? "drill:fault:" + std::string(scenario::toString(step.fault->kind))
                                          : "drill:" + std::string(scenario::toString(step.action));
            runCase(step.name, kind, broken, step.retries, [&] {
                switch (step.action) {
                case model::StepAction::Backup:
                    if (step.fault) {
                        faultyBackup(++backups, *step.fault);
                    } else {
                        backup(++backups, step.pgWriter, step.fileWriter);
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
                case model::StepAction::PgSeed:
                    pgSeed(step.rows);
                    break;
                case model::StepAction::PgDrop:
                    pgDrop();
                    break;
                case model::StepAction::PgDumpFails:
                    pgDumpFails();
                    break;
                case model::StepAction::PgRestore:
                    pgRestore(step.snapshot == "latest" ? backups : std::stoul(step.snapshot));
                    break;
                case model::StepAction::PgPitrMark:
                    pgPitrMark();
                    break;
                case model::StepAction::PgPitrRestore:
                    pgPitrRestore(step.snapshot == "latest" ? backups : std::stoul(step.snapshot));
                    break;
                }
            });
        }
        return std::move(cases_);
    }

private:
    // --- case bookkeeping ---

    void note(const std::string& line) { evidence_ += line + "\n"; }

    bool pastDeadline() const { return options_.deadline && Clock::now() >= *options_.deadline; }

    /// The step timeout, cut to what is left before the deadline (at least 1 s, so that a call
    /// made right at the deadline fails with its own "did not finish" message).
    std::chrono::milliseconds limitToDeadline(std::chrono::milliseconds timeout) const {
        if (!options_.deadline) {
            return timeout;
        }
        // Rounded up: a call that times out then ends at or after the deadline, never just before.
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*options_.deadline - Clock::now());
        return std::max(std::chrono::milliseconds(1000), std::min(timeout, left));
    }

    /// Runs one case: `body` once, and again up to `retries` times while it does not pass (the
    /// scenario allows that only for steps that repeat cleanly). A pass after a failed attempt
    /// keeps the failed attempts, so reports show it as flaky, never as a clean pass. A Broken
    /// step (or any step that ends past the deadline) skips the rest of the drill.
    template <typename F>
    void runCase(const std::string& name, const std::string& kind, bool& broken, unsigned retries, F&& body) {
        CaseResult c;
        c.name = name;
        c.scenario = scenario_.name;
        c.classname = scenario_.name;
        c.kind = kind;
        evidence_.clear();
        auto start = Clock::now();
        if (broken) {
            c.outcome = Outcome::Skipped;
            c.message =
                deadlinePassed_ ? "not run: " + options_.deadlineWhat + " passed" : "not run: an earlier step broke";
        } else if (pastDeadline()) {
            deadlinePassed_ = true;
            broken = true;
            c.outcome = Outcome::Broken;
            c.message = "not started: " + options_.deadlineWhat + " passed";
        } else {
            for (unsigned attempt = 0;; ++attempt) {
                auto attemptStart = Clock::now();
                evidence_.clear();
                c.outcome = Outcome::Passed;
                c.message.clear();
                c.mismatches.clear();
                stepTimeout_ = limitToDeadline(configuredStepTimeout_);
                bool attemptBroken = false;
                try {
                    body();
                } catch (const StepFailed& e) {
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
                if (c.outcome != Outcome::Passed && pastDeadline()) {
                    // Whatever the step saw, it was cut short: no verdict on the system.
                    deadlinePassed_ = true;
                    attemptBroken = true;
                    c.outcome = Outcome::Broken;
                    c.message = options_.deadlineWhat + " passed during this step; it was waiting for: " + c.message;
                }
                if (c.outcome == Outcome::Passed || attempt >= retries || deadlinePassed_) {
                    broken = broken || attemptBroken;
                    if (attemptBroken && options_.consoleTail) {
                        note("--- serial console (tail) ---\n" + options_.consoleTail());
                    }
                    break;
                }
                model::Attempt failed;
                failed.outcome = c.outcome;
                failed.durationSeconds = std::chrono::duration<double>(Clock::now() - attemptStart).count();
                std::string message = c.message;
                for (const auto& m : c.mismatches) {
                    message += "\n" + m.pointer + (m.note.empty() ? "" : " (" + m.note + ")");
                }
                failed.message = redactor_.apply(message);
                failed.output = redactor_.apply(evidence_);
                c.failedAttempts.push_back(std::move(failed));
            }
        }
        c.durationSeconds = std::chrono::duration<double>(Clock::now() - start).count();
        c.message = redactor_.apply(c.message);
        c.output = redactor_.apply(evidence_);
        for (auto& m : c.mismatches) {
            // Everything of a mismatch can quote the guest: pointers name files, values hold text.
            m.pointer = redactor_.apply(m.pointer);
            m.note = redactor_.apply(m.note);
            if (m.expected) {
                *m.expected = redactor_.applyToJson(*m.expected);
            }
            if (m.actual) {
                *m.actual = redactor_.applyToJson(*m.actual);
            }
        }
        if (options_.onCase) {
            options_.onCase(c);
        }
        cases_.push_back(std::move(c));
    }

    // --- guest helpers ---

    guest::ExecResult sh(const std::string& command) { return guest_.exec(command, limitToDeadline(stepTimeout_)); }

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

    /// The paths whose content the drill seeds and compares: the PostgreSQL staging dir is the
    /// job's own output (checked by pg-restore), not data.
    static std::vector<std::string> dataPaths(const DrillJob& job) {
        std::vector<std::string> out;
        for (const auto& p : job.paths) {
            if (p != job.pgDumpDir && p != job.pgRepoPath) {
                out.push_back(p);
            }
        }
        return out;
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

        std::set<std::string> units;
        for (const auto& job : plan_.jobs) {
            units.insert(job.systemdUnits.begin(), job.systemdUnits.end());
        }
        // A NixOS guest is built from this scenario (nix/nixos/guest.nix): its system already has
        // the modules' own job units and the probe units, so nothing rendered is installed; the
        // drill checks that they are there (an image of another scenario would lack them).
        bool builtIn = guest_.providesBackupUnits();
        if (builtIn) {
            must("mkdir -p /var/log/nixdrill-probe /var/cache/nixdrill-restic");
            auto requireUnit = [&](const std::string& unit) {
                if (!sh("systemctl cat " + shellQuote(unit) + " >/dev/null 2>&1").succeeded()) {
                    throw util::InputError("the NixOS guest has no unit " + unit +
                                           " (was its image built for scenario " + scenario_.name + "?)");
                }
            };
            for (const auto& job : plan_.jobs) {
                requireUnit(job.unit);
            }
            for (const auto& unit : units) {
                requireUnit(unit);
                if (unit.size() > 8 && unit.compare(unit.size() - 8, 8, ".service") == 0) {
                    probes_.push_back(unit);
                }
            }
        } else {
            must("mkdir -p /usr/local/bin /etc/systemd/system /var/log/nixdrill-probe /var/cache/nixdrill-restic");
            for (const auto& [name, text] : plan_.files) {
                bool script = name.size() > 3 && name.compare(name.size() - 3, 3, ".sh") == 0;
                std::string path = (script ? "/usr/local/bin/" : "/etc/systemd/system/") + name;
                guest_.writeFile(path, text);
                if (script) {
                    must("chmod 0755 " + shellQuote(path));
                }
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
        }

        for (const auto& job : plan_.jobs) {
            if (!secrets_.contains(job.passwordFile)) {
                // A fresh password per run, only ever written into the guest's file.
                auto secret = randomSecret();
                redactor_.add(secret);
                secrets_[job.passwordFile] = secret + "\n";
            }
            if (!job.environmentFile.empty() && !secrets_.contains(job.environmentFile)) {
                std::string text = "# nixdrill: a local repository needs no credentials\n";
                if (std::getenv("NIXDRILL_TEST_PLANTED_SECRET") != nullptr) {
                    // Test seam: a credential-like value, as an s3: repository's file would hold.
                    auto value = randomSecret();
                    redactor_.add(value);
                    text += "NIXDRILL_PLANTED_CREDENTIAL=" + value + "\n";
                }
                secrets_[job.environmentFile] = text;
            }
            if (!job.metricsFile.empty()) {
                must("mkdir -p " + shellQuote(dirOf(job.metricsFile)));
            }
        }
        writeSecrets();
        if (drill_.repositoryDiskMiB > 0) {
            makeRepositoryDisks();
        }
        if (drill_.zfs) {
            provisionZfs(); // before the seed: the data paths are on its datasets
        }
        must("systemctl daemon-reload");
        if (!probes_.empty()) {
            std::string units;
            for (const auto& u : probes_) {
                units += " " + shellQuote(u);
            }
            if (!builtIn) {
                must("systemctl enable --quiet" + units);
            }
            must("systemctl start" + units);
        }
        if (builtIn) {
            note("used the NixOS system's " + std::to_string(plan_.jobs.size()) + " job units and " +
                 std::to_string(probes_.size()) + " probe units (nothing installed)");
        } else {
            note("installed " + std::to_string(plan_.files.size()) + " rendered files and " +
                 std::to_string(probes_.size()) + " probe units");
        }

        seedData();
    }

    /// The secret files, as a secrets manager writes them at boot (again after a power cut:
    /// they live under /run).
    void writeSecrets() {
        for (const auto& [path, content] : secrets_) {
            must("mkdir -p " + shellQuote(dirOf(path)));
            guest_.writeFile(path, content);
            must("chmod 0600 " + shellQuote(path));
        }
    }

    /// Each repository on its own small ext4 file system (a loop device), so that
    /// repository-disk-full fills it without filling the guest's root.
    void makeRepositoryDisks() {
        std::set<std::string> done;
        unsigned n = 0;
        for (const auto& job : plan_.jobs) {
            if (!done.insert(job.repository).second) {
                continue;
            }
            std::string img = "/var/lib/nixdrill-disks/repository-" + std::to_string(n++) + ".img";
            must("set -e; mkdir -p /var/lib/nixdrill-disks " + shellQuote(job.repository) + "; truncate -s " +
                 std::to_string(drill_.repositoryDiskMiB) + "M " + img + "; mkfs.ext4 -q -F -m 0 " + img +
                 "; mount -o loop " + img + " " + shellQuote(job.repository) + "; rmdir " +
                 shellQuote(job.repository + "/lost+found"));
            note("repository " + job.repository + " on its own " + std::to_string(drill_.repositoryDiskMiB) +
                 " MiB file system (" + img + ")");
        }
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
                if (path == job.pgDumpDir || path == job.pgRepoPath) {
                    continue; // written by the job's pg_dump and pgBackRest, not by the drill
                }
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

    void backup(unsigned number, bool pgWriter, bool fileWriter) {
        // What each snapshot must contain: the live data just before the job runs. Units are
        // stopped by the job itself, and the probe services do not write, so this is stable.
        auto& manifests = manifests_[number];
        for (const auto& job : plan_.jobs) {
            auto m = manifestOf("/", dataPaths(job));
            if (!m.missingRoots.empty()) {
                note("job " + job.name + ": paths missing before the backup: " + m.missingRoots.front());
            }
            manifests[job.name] = std::move(m.entries);
        }

        if (pgWriter) {
            pgStartWriters();
        }
        auto pgBefore = pgRowCounts();
        if (drill_.zfs) {
            must("rm -f /var/lib/nixdrill-zfs/*"); // captures of an earlier run
        }
        auto zfsBefore = zfsCounts();
        if (fileWriter) {
            startFileWriters();
        }
        auto writerBefore = fileWriter ? fileWriterRecords() : std::map<std::string, unsigned long>{};

        double since = uptime();
        std::string cmd = "systemctl start";
        for (const auto& job : plan_.jobs) {
            cmd += " " + shellQuote(job.unit);
        }
        // One transaction: systemd itself orders the jobs by their rendered After= lines.
        auto started = sh(cmd);
        note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));
        pgRecordDumpBounds(number, pgBefore, pgWriter);
        if (fileWriter) {
            stopFileWriters(number, writerBefore);
        }

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

        loadZfsCaptures(number, failures);
        checkZfsAfterRun(zfsBefore, true, failures);

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
                if (isSnapshotJob(job)) {
                    // Stopped only around the snapshot (backup.useSnapshots): down in this run,
                    // and up again before restic began reading the snapshot.
                    double upAt = -1;
                    for (const auto& ev : events) {
                        if (ev.start && stopAt >= since && ev.at > stopAt && ev.at <= s && (upAt < 0 || ev.at < upAt)) {
                            upAt = ev.at;
                        }
                    }
                    note("unit " + unit + " (snapshot job " + job.name + "): stopped at " + fmt(stopAt) +
                         " s, started again at " + fmt(upAt) + " s, restic " + fmt(s) + "-" + fmt(e) + " s, now " +
                         active);
                    if (stopAt < since || upAt < 0) {
                        failures.push_back("unit " + unit + " was not stopped and started again around job " +
                                           job.name + "'s ZFS snapshot (before restic read it)");
                    }
                    if (active != "active") {
                        failures.push_back("unit " + unit + " is not running after job " + job.name + " (state '" +
                                           active + "')");
                    }
                    continue;
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
            // A snapshot job's restic snapshot holds the ZFS snapshot's paths.
            for (const auto& p : isSnapshotJob(job) ? zfsPaths_[number][job.name] : job.paths) {
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

    // --- ZFS (docs/drill-format.md, "ZFS") ---

    static bool isSnapshotJob(const DrillJob& job) { return !job.zfsDataset.empty(); }

    /// A path inside a ZFS snapshot mapped to the live path it was taken of:
    /// <mountpoint>/.zfs/snapshot/<name>/rest -> <mountpoint>/rest; other paths unchanged.
    static std::string liveOf(const std::string& path) {
        static const std::string marker = "/.zfs/snapshot/";
        auto at = path.find(marker);
        if (at == std::string::npos) {
            return path;
        }
        auto end = path.find('/', at + marker.size());
        auto live = path.substr(0, at) + (end == std::string::npos ? "" : path.substr(end));
        return live.empty() ? "/" : live;
    }

    static std::string trimmed(std::string text) {
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
            text.pop_back();
        }
        return text;
    }

    /// The pool (a file vdev) and its datasets at their default mountpoints; the writer, the
    /// snapshot capture and, for every snapshot job, a drop-in that runs the capture between
    /// the job's prepare (snapshot taken) and restic.
    void provisionZfs() {
        const auto& z = *drill_.zfs;
        // A small ARC: the guest has drill.memoryMiB for everything else too.
        must("modprobe zfs zfs_arc_max=67108864");
        auto version = trimmed(must("cat /sys/module/zfs/version").out);
        std::string img = "/var/lib/nixdrill-disks/zpool-" + z.pool + ".img";
        must("set -e; mkdir -p /var/lib/nixdrill-disks; truncate -s " + std::to_string(z.sizeMiB) + "M " + img +
             "; zpool create -f " + shellQuote(z.pool) + " " + img);
        for (const auto& ds : z.datasets) {
            must("zfs create -p " + shellQuote(ds));
        }
        note("ZFS " + version + ": pool " + z.pool + " on a " + std::to_string(z.sizeMiB) + " MiB file (" + img +
             ")\n" + must("zfs list -H -o name,mountpoint").out);
        must("mkdir -p /usr/local/lib/nixdrill /var/lib/nixdrill-zfs");
        guest_.writeFile("/usr/local/lib/nixdrill/manifest.sh", std::string(verify::manifestScript()));
        guest_.writeFile("/usr/local/bin/nixdrill-zfs-capture", captureScript);
        guest_.writeFile("/usr/local/bin/nixdrill-file-writer", fileWriterScript);
        must("chmod 0755 /usr/local/bin/nixdrill-zfs-capture /usr/local/bin/nixdrill-file-writer");
        for (const auto& job : plan_.jobs) {
            if (!isSnapshotJob(job)) {
                continue;
            }
            // A drop-in's ExecStartPre= runs after the unit's own (the job's prepare).
            std::string dir = "/etc/systemd/system/" + job.unit + ".d";
            must("mkdir -p " + shellQuote(dir));
            guest_.writeFile(dir + "/nixdrill-zfs-capture.conf",
                             "[Service]\nExecStartPre=/usr/local/bin/nixdrill-zfs-capture " + job.name + "\n");
            note("job " + job.name + " snapshots " + job.zfsDataset +
                 ": its snapshot is listed before restic reads it");
        }
    }

    static constexpr const char* captureScript = R"SH(#!/bin/bash
# nixdrill (ZFS drills): runs after the job's prepare took its snapshot and before restic reads
# it; keeps the snapshot's paths and manifest, which the restored data must match.
set -euo pipefail
job=$1
rt=${RUNTIME_DIRECTORY:-/run/restic-backups-$job}
out=/var/lib/nixdrill-zfs
[ -s "$rt/paths" ] || { echo "nixdrill-zfs-capture: no $rt/paths (no snapshot paths)" >&2; exit 1; }
mapfile -t paths <"$rt/paths"
bash /usr/local/lib/nixdrill/manifest.sh / "${paths[@]}" >"$out/$job.manifest.tmp"
cp "$rt/paths" "$out/$job.paths.tmp"
mv -f "$out/$job.manifest.tmp" "$out/$job.manifest"
mv -f "$out/$job.paths.tmp" "$out/$job.paths"
)SH";

    // Record N goes to a-journal, then z-journal, then count (by rename). restic reads the files
    // in name order, with m-filler-* (random, 4 x 8 MiB) between the journals, so a copy of the
    // live files is seconds apart at its two ends; one point in time has z-journal = a-journal
    // or one record behind, and count = z-journal or one behind. Stops after a whole record.
    static constexpr const char* fileWriterScript = R"SH(#!/bin/bash
set -u
dir=$1
running=1
trap 'running=0' TERM INT
n=0
[ -s "$dir/count" ] && n=$(cat "$dir/count")
while [ "$running" = 1 ]; do
    n=$((n + 1))
    echo "$n" >>"$dir/a-journal"
    echo "$n" >>"$dir/z-journal"
    echo "$n" >"$dir/count.tmp"
    mv -f "$dir/count.tmp" "$dir/count"
    sleep 0.05
done
)SH";

    static std::string writerDir(const DrillJob& job) {
        auto paths = dataPaths(job);
        if (paths.empty()) {
            throw util::InputError("fileWriter: job " + job.name + " has no data path to write to");
        }
        return paths.front() + "/nixdrill-writer";
    }

    static std::string fileWriterUnit(std::size_t i) {
        return "nixdrill-file-writer-" + std::to_string(i) + ".service";
    }

    /// The writer's last complete record in the live `dir` (0 before the first).
    unsigned long writerRecords(const std::string& dir) {
        auto out = trimmed(must("tail -n 1 " + shellQuote(dir + "/z-journal") + " 2>/dev/null; true").out);
        try {
            return out.empty() ? 0 : std::stoul(out);
        } catch (const std::exception&) {
            throw util::SystemError("cannot read the writer's z-journal in " + dir + ": '" + out + "'");
        }
    }

    /// One writer per job, started before the jobs and running until they have all ended.
    void startFileWriters() {
        for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
            auto dir = writerDir(plan_.jobs[i]);
            must("set -e; mkdir -p " + shellQuote(dir) + "; for i in 1 2 3 4; do f=" + shellQuote(dir) +
                 "/m-filler-$i; [ -e \"$f\" ] || head -c 8M /dev/urandom >\"$f\"; done");
            must("systemd-run --quiet --unit=" + fileWriterUnit(i) + " /usr/local/bin/nixdrill-file-writer " +
                 shellQuote(dir));
            auto start = writerRecords(dir);
            bool moving = false;
            for (int t = 0; t < 60 && !moving; ++t) {
                sh("sleep 0.5");
                moving = writerRecords(dir) > start;
            }
            if (!moving) {
                throw util::SystemError("the file writer in " + dir + " wrote nothing in 30 s: " +
                                        sh("journalctl --no-pager -n 20 -u " + fileWriterUnit(i)).out);
            }
            note("writer " + fileWriterUnit(i) + " appending records in " + dir);
        }
    }

    std::map<std::string, unsigned long> fileWriterRecords() {
        std::map<std::string, unsigned long> out;
        for (const auto& job : plan_.jobs) {
            out[job.name] = writerRecords(writerDir(job));
        }
        return out;
    }

    /// Stops the writers (after a whole record) and keeps where they were when the jobs ran.
    void stopFileWriters(unsigned number, const std::map<std::string, unsigned long>& before) {
        for (std::size_t i = 0; i < plan_.jobs.size(); ++i) {
            const auto& job = plan_.jobs[i];
            auto after = writerRecords(writerDir(job));
            auto state = activeState(fileWriterUnit(i));
            must("systemctl stop " + fileWriterUnit(i));
            auto b = before.at(job.name);
            writerBounds_[number][job.name] = {b, after};
            note("writer of job " + job.name + ": record " + std::to_string(b) + " when the jobs started, " +
                 std::to_string(after) + " when they ended (" + state + " until then)");
            if (after <= b || state != "active") {
                throw util::SystemError("the file writer of job " + job.name +
                                        " did not keep writing while the backup ran: the drill proves nothing");
            }
        }
    }

    /// The writer's invariant in a restored tree: each journal the records 1..N in order, and the
    /// journals and counter from one point in time between the writer's bounds during the backup.
    /// Returns what is wrong, empty when it holds.
    std::string checkWriterTree(const std::string& dir, std::pair<unsigned long, unsigned long> bounds) {
        auto records = [&](const std::string& name, std::string& problem) {
            auto r = sh("cat " + shellQuote(dir + "/" + name));
            std::vector<std::string> lines;
            if (!r.succeeded()) {
                problem = name + " was not restored";
                return lines;
            }
            std::istringstream in(r.out);
            for (std::string line; std::getline(in, line);) {
                if (problem.empty() && line != std::to_string(lines.size() + 1)) {
                    problem = name + " line " + std::to_string(lines.size() + 1) + " is '" + line + "', not record " +
                              std::to_string(lines.size() + 1);
                }
                lines.push_back(line);
            }
            return lines;
        };
        std::string problem;
        auto a = records("a-journal", problem).size();
        auto z = records("z-journal", problem).size();
        if (!problem.empty()) {
            return "the writer's files are damaged: " + problem;
        }
        auto c = sh("cat " + shellQuote(dir + "/count"));
        unsigned long count = 0;
        try {
            count = std::stoul(trimmed(c.out));
        } catch (const std::exception&) {
            return "the writer's count file is missing or unreadable: '" + trimmed(c.out) + "'";
        }
        note("restored writer files in " + dir + ": a-journal " + std::to_string(a) + " records, z-journal " +
             std::to_string(z) + ", count " + std::to_string(count) + " (the writer was at records " +
             std::to_string(bounds.first) + "-" + std::to_string(bounds.second) + " while the jobs ran)");
        if (a < z || a > z + 1 || count > z || z > count + 1) {
            return "torn copy: the writer's files are from different moments (a-journal ends at record " +
                   std::to_string(a) + ", z-journal at " + std::to_string(z) + ", count says " + std::to_string(count) +
                   "; one point in time has z-journal equal to a-journal or one behind, count equal to z-journal or "
                   "one behind)";
        }
        if (z < bounds.first || a > bounds.second + 1) {
            return "the restored point (record " + std::to_string(z) + ") is not from the backup's run (records " +
                   std::to_string(bounds.first) + "-" + std::to_string(bounds.second) + ")";
        }
        return "";
    }

    struct ZfsCounts {
        unsigned took = 0;
        unsigned destroyed = 0;
    };

    unsigned journalCount(const DrillJob& job, const std::string& what) {
        auto r = sh("journalctl --no-pager -o cat -u " + shellQuote(job.unit) + " | grep -cF " +
                    shellQuote("nixdrill[" + job.name + "]: " + what) + "; true");
        try {
            return static_cast<unsigned>(std::stoul(trimmed(r.out)));
        } catch (const std::exception&) {
            return 0;
        }
    }

    /// How often each snapshot job said it took and destroyed a snapshot (its journal).
    std::map<std::string, ZfsCounts> zfsCounts() {
        std::map<std::string, ZfsCounts> out;
        for (const auto& job : plan_.jobs) {
            if (isSnapshotJob(job)) {
                out[job.name] = {journalCount(job, "took snapshot"), journalCount(job, "destroyed snapshot")};
            }
        }
        return out;
    }

    /// After a run: whether each snapshot job took a snapshot and destroyed it, and that no
    /// snapshot named after a job is left in the pool.
    void checkZfsAfterRun(const std::map<std::string, ZfsCounts>& before, bool requireTaken,
                          std::vector<std::string>& failures) {
        if (!drill_.zfs) {
            return;
        }
        for (const auto& job : plan_.jobs) {
            if (!isSnapshotJob(job)) {
                continue;
            }
            auto was = before.count(job.name) != 0 ? before.at(job.name) : ZfsCounts{};
            ZfsCounts now;
            // journald takes the job's output asynchronously.
            for (int attempt = 0; attempt < 10; ++attempt) {
                now = {journalCount(job, "took snapshot"), journalCount(job, "destroyed snapshot")};
                if (now.took > was.took && now.destroyed > was.destroyed) {
                    break;
                }
                sh("sleep 0.5");
            }
            unsigned took = now.took - was.took;
            unsigned destroyed = now.destroyed - was.destroyed;
            note("job " + job.name + ": took " + std::to_string(took) + " ZFS snapshot(s) of " + job.zfsDataset +
                 " in this run, destroyed " + std::to_string(destroyed));
            if (requireTaken && took == 0) {
                failures.push_back("job " + job.name + " took no ZFS snapshot of " + job.zfsDataset);
            }
            if (took > destroyed) {
                failures.push_back("job " + job.name + " took " + std::to_string(took) +
                                   " ZFS snapshot(s) but logged " + std::to_string(destroyed) + " destroyed");
            }
        }
        auto left = trimmed(must("zfs list -H -o name -t snapshot -r " + shellQuote(drill_.zfs->pool)).out);
        std::string ours;
        std::istringstream in(left);
        for (std::string line; std::getline(in, line);) {
            if (line.find("@nixdrill-") != std::string::npos) {
                ours += (ours.empty() ? "" : ", ") + line;
            }
        }
        note("ZFS snapshots of pool " + drill_.zfs->pool + " after the run: " + (left.empty() ? "none" : left));
        if (!ours.empty()) {
            failures.push_back("ZFS snapshot(s) left after the run: " + ours);
        }
    }

    /// What the drop-in captured while the snapshot existed: its paths (this backup's restic
    /// paths) and its manifest, keyed by the live paths, as this backup's expected content.
    void loadZfsCaptures(unsigned number, std::vector<std::string>& failures) {
        for (const auto& job : plan_.jobs) {
            if (!isSnapshotJob(job)) {
                continue;
            }
            std::string base = "/var/lib/nixdrill-zfs/" + job.name;
            auto paths = sh("cat " + shellQuote(base + ".paths"));
            auto manifest = sh("cat " + shellQuote(base + ".manifest"));
            sh("rm -f " + shellQuote(base + ".paths") + " " + shellQuote(base + ".manifest"));
            if (!paths.succeeded() || !manifest.succeeded()) {
                failures.push_back("job " + job.name + ": its snapshot was never listed (no prepare with a snapshot?)");
                continue;
            }
            std::vector<std::string> list;
            std::istringstream in(paths.out);
            for (std::string line; std::getline(in, line);) {
                if (!line.empty()) {
                    list.push_back(line);
                }
                if (liveOf(line) == line) {
                    failures.push_back("job " + job.name + " backed up the live path " + line + ", not its snapshot");
                }
            }
            verify::ParsedManifest parsed;
            try {
                parsed = verify::parseManifest(manifest.out);
            } catch (util::Error& e) {
                e.addContext("while reading the manifest of job " + job.name + "'s ZFS snapshot");
                throw;
            }
            auto live = dataPaths(job);
            verify::Manifest mapped;
            for (auto& [path, entry] : parsed.entries) {
                entry.path = liveOf(path);
                bool data = std::any_of(live.begin(), live.end(), [&](const std::string& p) {
                    return entry.path == p || entry.path.rfind(p + "/", 0) == 0;
                });
                if (data) {
                    mapped[entry.path] = entry;
                }
            }
            note("job " + job.name + ": restic read the snapshot's paths (" + std::to_string(list.size()) +
                 "), listed with " + std::to_string(mapped.size()) + " entries before restic began");
            zfsPaths_[number][job.name] = list;
            manifests_[number][job.name] = std::move(mapped);
        }
    }

    /// restic keeps a snapshot job's paths as <mountpoint>/.zfs/snapshot/<name>/...: moves the
    /// restored trees to the live paths they were taken of, under `target`.
    void mapSnapshotPaths(const std::string& target, const std::vector<std::string>& paths) {
        std::string cmd = "set -e; cd " + shellQuote(target) + "; ";
        std::set<std::string> zfsDirs;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            cmd += "mv -T ." + shellQuote(paths[i]) + " .nixdrill-live-" + std::to_string(i) + "; ";
            auto at = paths[i].find("/.zfs/snapshot/");
            if (at != std::string::npos) {
                zfsDirs.insert(paths[i].substr(0, at) + "/.zfs");
            }
        }
        for (const auto& d : zfsDirs) {
            cmd += "rm -rf -- ." + shellQuote(d) + "; ";
        }
        for (std::size_t i = 0; i < paths.size(); ++i) {
            auto live = liveOf(paths[i]);
            cmd += "mkdir -p ." + shellQuote(dirOf(live)) + "; rmdir ." + shellQuote(live) +
                   " 2>/dev/null || true; mv -T .nixdrill-live-" + std::to_string(i) + " ." + shellQuote(live) + "; ";
        }
        cmd += "test -z \"$(find . -name .zfs -print -quit)\"";
        auto r = sh(cmd);
        if (!r.succeeded()) {
            throw StepFailed("cannot map the restored snapshot paths back to the live paths in " + target + ": " +
                             redactor_.apply(r.describe()));
        }
        note("mapped " + std::to_string(paths.size()) + " restored snapshot path(s) back to the live paths");
    }

    // --- PostgreSQL (docs/drill-format.md, "PostgreSQL") ---

    /// Every database of the jobs' backup.postgres, with the job that dumps it.
    std::vector<std::pair<const DrillJob*, std::string>> pgDatabases() const {
        std::vector<std::pair<const DrillJob*, std::string>> out;
        for (const auto& job : plan_.jobs) {
            for (const auto& db : job.pgDatabases) {
                out.push_back({&job, db});
            }
        }
        return out;
    }

    /// Runs SQL (on stdin) in `db` as the job's PostgreSQL user; unaligned, tuples only.
    guest::ExecResult psql(const DrillJob& job, const std::string& db, const std::string& sql) {
        return guest_.exec("runuser -u " + shellQuote(job.pgUser) + " -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d " +
                               shellQuote(db),
                           stepTimeout_, sql);
    }

    guest::ExecResult mustPsql(const DrillJob& job, const std::string& db, const std::string& sql) {
        auto r = psql(job, db, sql);
        if (!r.succeeded()) {
            throw guest::CommandFailed("psql in database '" + db + "': " + redactor_.apply(r.describe()));
        }
        return r;
    }

    /// The payload of row `id` in `db`, as SQL: the generator the seed and the writer share.
    std::string pgPayload(const std::string& db, const std::string& id) const {
        return "md5('" + std::to_string(drill_.seed) + "-" + db + "-' || " + id + ")";
    }

    /// The writer's counter: rows committed so far (updated in the same transaction as each insert).
    unsigned long pgCommitted(const DrillJob& job, const std::string& db) {
        auto r = mustPsql(job, db, "select n from nixdrill_meta where k = 'rows';\n");
        try {
            return std::stoul(r.out);
        } catch (const std::exception&) {
            throw util::SystemError("database '" + db + "': cannot read the row counter: '" + r.out + "'");
        }
    }

    void pgSeed(unsigned rows) {
        auto dbs = pgDatabases();
        if (dbs.empty()) {
            throw util::InputError("pg-seed: no job of the scenario has backup.postgres.databases");
        }
        // The Debian guest image has no cluster (one would start with any unit named
        // postgresql.service and fill /var/lib/postgresql): create the newest version's here. A
        // NixOS guest has no pg_createcluster; its postgresql.service initialises the data dir.
        must("if command -v pg_createcluster >/dev/null && [ -z \"$(pg_lsclusters -h)\" ]; then "
             "pg_createcluster \"$(ls /usr/lib/postgresql | sort -n | tail -n 1)\" main >/dev/null; fi");
        pgConfigureBackRest();
        // Left off at boot (it costs every other drill boot time); the generator that makes
        // postgresql.service want the new cluster runs on daemon-reload.
        must("systemctl daemon-reload && systemctl start postgresql.service");
        bool ready = false;
        for (int i = 0; i < 120 && !ready; ++i) {
            ready = sh("runuser -u postgres -- pg_isready -q").succeeded();
            if (!ready) {
                sh("sleep 0.5");
            }
        }
        if (!ready) {
            throw util::SystemError("PostgreSQL did not accept connections within 60 s of its start");
        }
        note(must("runuser -u postgres -- psql -X -A -t -c 'select version()'").out);
        for (const auto& [job, db] : dbs) {
            must("runuser -u " + shellQuote(job->pgUser) + " -- createdb " + shellQuote(db));
            // Rows 1..rows from the seed; nixdrill_meta.n counts the committed rows, and the
            // writer bumps it in the same transaction as each insert: a consistent copy has
            // n == count(*) and ids exactly 1..n.
            mustPsql(*job, db,
                     "create table nixdrill_rows (id bigint primary key, source text not null, payload text not "
                     "null);\n"
                     "create table nixdrill_meta (k text primary key, n bigint not null);\n"
                     "begin;\n"
                     "insert into nixdrill_rows select i, 'seed', " +
                         pgPayload(db, "i") + " from generate_series(1, " + std::to_string(rows) +
                         ") i;\n"
                         "insert into nixdrill_meta values ('rows', " +
                         std::to_string(rows) + ");\ncommit;\n");
            pgSeedRows_[db] = rows;
            note("database " + db + " (job " + job->name + "): " + std::to_string(pgCommitted(*job, db)) +
                 " rows from seed " + std::to_string(drill_.seed));
        }
    }

    static std::string writerUnit(std::size_t i) { return "nixdrill-pg-writer-" + std::to_string(i) + ".service"; }

    // --- pgBackRest (docs/drill-format.md, "PostgreSQL", point in time) ---

    std::vector<const DrillJob*> pgBackRestJobs() const {
        std::vector<const DrillJob*> out;
        for (const auto& job : plan_.jobs) {
            if (!job.pgStanza.empty()) {
                out.push_back(&job);
            }
        }
        return out;
    }

    /// pgBackRest's own configuration is the operator's (docs/backup-module.md): the drill writes
    /// what a minimal real one has — the stanza's data directory, the repository the job backs up,
    /// and WAL archiving into it — before the cluster first starts.
    void pgConfigureBackRest() {
        auto jobs = pgBackRestJobs();
        if (jobs.empty()) {
            return;
        }
        if (jobs.size() > 1) {
            throw util::InputError(
                "pgBackRest drills support one job with pgbackrest enabled (the guest has one cluster)");
        }
        const auto& job = *jobs.front();
        std::string conf = "[global]\nrepo1-path=" + job.pgRepoPath +
                           "\nrepo1-retention-full=4\nstart-fast=y\nlog-level-console=warn\nlog-level-file=off\n\n[" +
                           job.pgStanza + "]\npg1-path=$data\npg1-socket-path=/var/run/postgresql\n";
        must("set -e; ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1); data=/var/lib/postgresql/$ver/main\n"
             "cat >/etc/pgbackrest.conf <<EOF\n" +
             conf +
             "EOF\n"
             "mkdir -p " +
             shellQuote(job.pgRepoPath) +
             " /var/log/pgbackrest /var/spool/pgbackrest\n"
             "chown postgres:postgres " +
             shellQuote(job.pgRepoPath) +
             " /var/log/pgbackrest /var/spool/pgbackrest\n"
             "chmod 0750 " +
             shellQuote(job.pgRepoPath) +
             "\n"
             "cat >/etc/postgresql/$ver/main/conf.d/nixdrill-pgbackrest.conf <<EOF\n"
             "archive_mode = on\narchive_command = 'pgbackrest --stanza=" +
             job.pgStanza +
             " archive-push %p'\n"
             "EOF");
        note("pgBackRest stanza " + job.pgStanza + " (job " + job.name + "): repository " + job.pgRepoPath +
             ", WAL archived with archive-push\n" + must("cat /etc/pgbackrest.conf").out);
    }

    /// The databases of the pgBackRest job (every drill database when it has none: they are all
    /// in its cluster).
    std::vector<std::pair<const DrillJob*, std::string>> pgPitrDatabases() {
        auto jobs = pgBackRestJobs();
        if (jobs.empty() || pgSeedRows_.empty()) {
            throw util::InputError("pg-pitr-*: needs a job with backup.postgres.pgbackrest enabled and a pg-seed step");
        }
        return pgDatabases();
    }

    /// A row 'before' committed, the target time taken after it, a row 'after' committed a second
    /// later; then `pgbackrest check` switches the WAL and waits until it is archived, so a
    /// backup after this step carries both commits in the archive.
    void pgPitrMark() {
        auto dbs = pgPitrDatabases();
        const auto& job = *pgBackRestJobs().front();
        for (const auto& [j, db] : dbs) {
            mustPsql(*j, db,
                     "create table if not exists nixdrill_pitr (mark text primary key, at timestamptz not null "
                     "default clock_timestamp());\ndelete from nixdrill_pitr;\ninsert into nixdrill_pitr(mark) values "
                     "('before');\n");
        }
        sh("sleep 1");
        auto target = trimmed(
            mustPsql(job, "postgres",
                     "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00';\n")
                .out);
        sh("sleep 1");
        for (const auto& [j, db] : dbs) {
            mustPsql(*j, db, "insert into nixdrill_pitr(mark) values ('after');\n");
        }
        auto check = sh("runuser -u " + shellQuote(job.pgUser) + " -- pgbackrest --stanza=" + shellQuote(job.pgStanza) +
                        " check");
        if (!check.succeeded()) {
            throw StepFailed("pgbackrest check (WAL switch and archive) failed: " + redactor_.apply(check.describe()));
        }
        pitrTarget_ = target;
        std::string marks;
        for (const auto& [j, db] : dbs) {
            marks += "\n" + db + ": " +
                     trimmed(mustPsql(*j, db,
                                      "select string_agg(mark || ' ' || at, ', ' order by at) "
                                      "from nixdrill_pitr;\n")
                                 .out);
        }
        note("target time " + target + " lies between the commits" + marks +
             "\nthe WAL holding both is archived (pgbackrest check)");
    }

    /// The server is lost (stopped, data directory and pgBackRest repository emptied); the
    /// rendered pitr-<job>.sh brings the repository back from backup `number`'s restic snapshot
    /// and restores to the target time; after the start, 'before' must be there and 'after' not,
    /// and the rows one consistent point.
    void pgPitrRestore(unsigned number) {
        auto dbs = pgPitrDatabases();
        const auto& job = *pgBackRestJobs().front();
        if (pitrTarget_.empty()) {
            throw util::InputError("pg-pitr-restore: needs a pg-pitr-mark step before it");
        }
        if (job.pitrFile.empty()) {
            throw util::InputError("job " + job.name + " has pgBackRest but no rendered pitr script");
        }
        auto snaps = snapshots_.find(number);
        if (snaps == snapshots_.end() || snaps->second[job.name].empty()) {
            throw StepFailed("backup " + std::to_string(number) + " made no snapshot of job " + job.name);
        }
        const auto& id = snaps->second[job.name];
        note(
            "pgBackRest's backup sets before the loss:\n" +
            sh("runuser -u " + shellQuote(job.pgUser) + " -- pgbackrest --stanza=" + shellQuote(job.pgStanza) + " info")
                .out);
        must("systemctl stop postgresql.service");
        must("set -e; ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1); find /var/lib/postgresql/$ver/main "
             "-mindepth 1 -delete; find " +
             shellQuote(job.pgRepoPath) + " -mindepth 1 -delete");
        note("server lost: PostgreSQL stopped, its data directory and " + job.pgRepoPath + " emptied");
        std::string cmd = "/usr/local/bin/" + job.pitrFile + " " + shellQuote(pitrTarget_) + " " + shellQuote(id);
        auto r = sh(cmd);
        note("$ " + cmd + "\n  exit " + std::to_string(r.exitCode) + "\n" + r.err);
        if (!r.succeeded()) {
            throw StepFailed(job.pitrFile + " failed: " + redactor_.apply(r.describe()));
        }
        must("systemctl start postgresql.service");
        bool promoted = false;
        for (int i = 0; i < 240 && !promoted; ++i) {
            auto q = psql(job, "postgres", "select pg_is_in_recovery();\n");
            promoted = q.succeeded() && trimmed(q.out) == "f";
            if (!promoted) {
                sh("sleep 0.5");
            }
        }
        if (!promoted) {
            throw StepFailed("PostgreSQL did not finish recovery to " + pitrTarget_ + " within 120 s: " +
                             sh("ls /var/log/postgresql && tail -n 30 /var/log/postgresql/*.log").out);
        }
        // PostgreSQL's own account of where recovery stopped and from which backup it started.
        note(sh("grep -hE 'starting point-in-time recovery|recovery stopping|restored log file|selected new timeline' "
                "/var/log/postgresql/*.log | tail -n 12")
                 .out);
        std::vector<std::string> failures;
        for (const auto& [j, db] : dbs) {
            auto marks = psql(*j, db, "select coalesce(string_agg(mark, ',' order by mark), '') from nixdrill_pitr;\n");
            auto got = marks.succeeded() ? trimmed(marks.out) : "(cannot read: " + trimmed(marks.err) + ")";
            note("database " + db + " at " + pitrTarget_ + ": marks '" + got + "'");
            if (got != "before") {
                failures.push_back("database " + db + ": restored to " + pitrTarget_ + " it holds marks '" + got +
                                   "', expected exactly 'before' (committed before the target; 'after' after it)");
            }
            auto rows = psql(*j, db,
                             "select (select n from nixdrill_meta where k = 'rows') = (select count(*) from "
                             "nixdrill_rows);\n");
            if (!rows.succeeded() || trimmed(rows.out) != "t") {
                failures.push_back("database " + db + ": the row counter and the rows disagree after the restore");
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

    /// One transient unit per database, inserting a row per transaction for as long as it runs.
    void pgStartWriters() {
        auto dbs = pgDatabases();
        if (dbs.empty() || pgSeedRows_.empty()) {
            throw util::InputError("pgWriter: the backup needs a pg-seed step before it");
        }
        for (std::size_t i = 0; i < dbs.size(); ++i) {
            const auto& [job, db] = dbs[i];
            std::string tx = "begin; insert into nixdrill_rows select n + 1, 'writer', " + pgPayload(db, "(n + 1)") +
                             " from nixdrill_meta where k = 'rows'; update nixdrill_meta set n = n + 1 where k = "
                             "'rows'; commit;";
            std::string loop = "while :; do printf '%s\\n' " + shellQuote(tx) + "; sleep 0.1; done | runuser -u " +
                               shellQuote(job->pgUser) + " -- psql -X -q -v ON_ERROR_STOP=1 -d " + shellQuote(db);
            must("systemd-run --quiet --unit=" + writerUnit(i) + " bash -c " + shellQuote(loop));
            auto start = pgCommitted(*job, db);
            // The writer must really write while the job runs, or the drill proves nothing.
            bool moving = false;
            for (int t = 0; t < 60 && !moving; ++t) {
                sh("sleep 0.5");
                moving = pgCommitted(*job, db) > start;
            }
            if (!moving) {
                throw util::SystemError("the writer of database '" + db + "' committed nothing in 30 s: " +
                                        sh("journalctl --no-pager -n 20 -u " + writerUnit(i)).out);
            }
            note("writer " + writerUnit(i) + " inserting into " + db);
        }
    }

    std::map<std::string, unsigned long> pgRowCounts() {
        std::map<std::string, unsigned long> out;
        if (pgSeedRows_.empty()) {
            return out;
        }
        for (const auto& [job, db] : pgDatabases()) {
            out[db] = pgCommitted(*job, db);
        }
        return out;
    }

    /// The dump point of each database lies between the rows committed before the jobs started
    /// and after they ended; the writers are stopped afterwards (a restore must drop the database).
    void pgRecordDumpBounds(unsigned number, const std::map<std::string, unsigned long>& before, bool writers) {
        if (before.empty()) {
            return;
        }
        auto after = pgRowCounts();
        if (writers) {
            auto dbs = pgDatabases();
            for (std::size_t i = 0; i < dbs.size(); ++i) {
                must("systemctl stop " + writerUnit(i));
            }
        }
        for (const auto& [db, b] : before) {
            pgBounds_[number][db] = {b, after[db]};
            note("database " + db + ": " + std::to_string(b) + " rows committed when the jobs started, " +
                 std::to_string(after[db]) + " when they ended" + (writers ? " (writer running)" : ""));
            if (writers && after[db] <= b) {
                throw util::SystemError("the writer of database '" + db +
                                        "' committed nothing while the backup ran: the drill proves nothing");
            }
        }
    }

    /// pg_dump fails (the databases refuse connections, as a crashed or locked-down server
    /// would): every job with databases must fail in its prepare step with the metrics category
    /// prepare_failed, start its units again, leave no staging dir and make no snapshot.
    void pgDumpFails() {
        auto dbs = pgDatabases();
        if (dbs.empty() || pgSeedRows_.empty()) {
            throw util::InputError("pg-dump-fails: needs a pg-seed step before it");
        }
        std::map<std::string, std::set<std::string>> before;
        for (const auto& job : plan_.jobs) {
            if (!job.pgDatabases.empty()) {
                before[job.name] = snapshotIds(job);
            }
        }
        for (const auto& [job, db] : dbs) {
            mustPsql(*job, "postgres", "alter database \"" + db + "\" allow_connections false;\n");
        }
        note("databases refuse connections: pg_dump cannot run");
        std::string cmd = "systemctl start";
        for (const auto& job : plan_.jobs) {
            cmd += " " + shellQuote(job.unit);
        }
        auto started = sh(cmd);
        note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));
        for (const auto& [job, db] : dbs) {
            mustPsql(*job, "postgres", "alter database \"" + db + "\" allow_connections true;\n");
        }
        note("databases accept connections again");

        std::vector<std::string> failures;
        auto compare = [&](const std::string& what, const std::string& expected, const std::string& actual) {
            note(what + ": expected " + expected + ", actual " + actual);
            if (expected != actual) {
                failures.push_back(what + ": expected " + expected + ", actual " + actual);
            }
        };
        for (const auto& job : plan_.jobs) {
            if (job.pgDatabases.empty()) {
                continue;
            }
            std::string prefix = "job " + job.name + ": ";
            auto show = parseShow(must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
            note(sh("journalctl --no-pager -n 12 -u " + shellQuote(job.unit)).out);
            compare(prefix + "unit result", "exit-code", show["Result"]);
            if (!job.metricsFile.empty()) {
                auto metrics = metricsText(job);
                compare(prefix + "category", "prepare_failed", metricValue(metrics, "category"));
                compare(prefix + "restic_backup_status", "0", metricValue(metrics, "restic_backup_status"));
            }
            for (const auto& unit : job.systemdUnits) {
                auto active = sh("systemctl is-active " + shellQuote(unit)).out;
                while (!active.empty() && active.back() == '\n') {
                    active.pop_back();
                }
                compare(prefix + "unit " + unit, "active", active);
            }
            compare(prefix + "staging dir " + job.pgDumpDir, "absent",
                    sh("test -e " + shellQuote(job.pgDumpDir)).succeeded() ? "present" : "absent");
            std::string fresh = "none";
            for (const auto& id : snapshotIds(job)) {
                if (!before[job.name].contains(id)) {
                    fresh = id.substr(0, 8);
                }
            }
            compare(prefix + "new snapshot", "none", fresh);
        }
        if (!failures.empty()) {
            std::string msg = "pg_dump failing did not lead to the expected outcome:";
            for (const auto& f : failures) {
                msg += "\n" + f;
            }
            throw StepFailed(msg);
        }
    }

    void pgDrop() {
        for (const auto& [job, db] : pgDatabases()) {
            must("runuser -u " + shellQuote(job->pgUser) + " -- dropdb " + shellQuote(db));
            auto left = mustPsql(*job, "postgres", "select count(*) from pg_database where datname = '" + db + "';\n");
            if (left.out != "0\n" && left.out != "0") {
                throw util::SystemError("database '" + db + "' still exists after dropdb");
            }
            note("dropped database " + db);
        }
    }

    void pgRestore(unsigned number) {
        auto snaps = snapshots_.find(number);
        if (snaps == snapshots_.end()) {
            throw StepFailed("backup " + std::to_string(number) + " made no snapshots to restore");
        }
        std::vector<std::string> failures;
        std::set<std::string> restored;
        for (const auto& [job, db] : pgDatabases()) {
            if (restored.insert(job->name).second) {
                if (job->restoreFile.empty()) {
                    throw util::InputError("job " + job->name + " has databases but no rendered restore script");
                }
                const auto& id = snaps->second[job->name];
                if (id.empty()) {
                    throw StepFailed("job " + job->name + " made no snapshot in backup " + std::to_string(number));
                }
                // Exactly what an operator runs: the rendered script, with the snapshot's id.
                std::string cmd = "/usr/local/bin/" + job->restoreFile + " " + shellQuote(id);
                auto r = sh(cmd);
                note("$ " + cmd + "\n  exit " + std::to_string(r.exitCode) + "\n" + r.err);
                if (!r.succeeded()) {
                    throw StepFailed(job->restoreFile + " failed: " + redactor_.apply(r.describe()));
                }
            }
            pgCompare(*job, db, number, failures);
        }
        if (!failures.empty()) {
            std::string msg;
            for (const auto& f : failures) {
                msg += (msg.empty() ? "" : "\n") + f;
            }
            throw StepFailed(msg);
        }
    }

    /// The restored database is one consistent point in time between the backup's bounds, and
    /// every row is the generator's.
    void pgCompare(const DrillJob& job, const std::string& db, unsigned number, std::vector<std::string>& failures) {
        auto seeded = pgSeedRows_[db];
        std::string kind = "case when i <= " + std::to_string(seeded) + " then 'seed' else 'writer' end";
        std::string sql =
            "select m.n, (select count(*) from nixdrill_rows), (select count(*) from nixdrill_rows where source = "
            "'seed'), coalesce((select min(id) from nixdrill_rows), 0), coalesce((select max(id) from "
            "nixdrill_rows), 0), (select count(*) from nixdrill_rows r where r.payload <> " +
            pgPayload(db, "r.id") + " or r.source <> " + std::string("case when r.id <= ") + std::to_string(seeded) +
            " then 'seed' else 'writer' end), (select md5(string_agg(id || ':' || source || ':' || payload, ',' "
            "order by id)) from nixdrill_rows), (select md5(string_agg(i || ':' || " +
            kind + " || ':' || " + pgPayload(db, "i") +
            ", ',' order by i)) from generate_series(1, m.n) i) from nixdrill_meta m where m.k = 'rows';\n";
        auto r = psql(job, db, sql);
        if (!r.succeeded()) {
            failures.push_back("database " + db + ": cannot read the restored rows: " + redactor_.apply(r.describe()));
            return;
        }
        auto fields = psqlFields(r.out);
        if (fields.size() != 8) {
            throw util::SystemError("database " + db + ": unexpected psql output '" + r.out + "'");
        }
        unsigned long n = std::stoul(fields[0]);
        auto bounds = pgBounds_[number][db];
        note("database " + db + ": counter " + fields[0] + ", rows " + fields[1] + " (ids " + fields[3] + ".." +
             fields[4] + ", " + fields[2] + " seeded), " + fields[5] + " rows unlike the generator, checksum " +
             fields[6] + " (generator 1.." + fields[0] + ": " + fields[7] + "); backup " + std::to_string(number) +
             " ran between rows " + std::to_string(bounds.first) + " and " + std::to_string(bounds.second));
        auto expect = [&](bool ok, const std::string& what) {
            if (!ok) {
                failures.push_back("database " + db + ": " + what);
            }
        };
        expect(fields[1] == fields[0], "the counter says " + fields[0] + " rows, the table has " + fields[1] +
                                           " (not one transaction-consistent point)");
        expect(fields[3] == "1" && fields[4] == fields[0],
               "ids are " + fields[3] + ".." + fields[4] + ", expected 1.." + fields[0] + " without gaps");
        expect(fields[2] == std::to_string(seeded), fields[2] + " seeded rows, expected " + std::to_string(seeded));
        expect(fields[5] == "0", fields[5] + " rows differ from the generator");
        expect(fields[6] == fields[7], "checksum " + fields[6] + " differs from the generator's " + fields[7]);
        expect(n >= bounds.first && n <= bounds.second,
               "restored " + fields[0] + " rows, outside the backup's window " + std::to_string(bounds.first) + ".." +
                   std::to_string(bounds.second));
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
                out.push_back({&job, faults::Target{job.repository, job.passwordFile, job.paths.front(),
                                                    victimFile(job), job.name, job.zfsDataset}});
            }
        }
        return out;
    }

    /// io-errors: a seeded, non-empty, covered file of the job's first path with a plain ASCII
    /// name (debugfs reads it from a command line), chosen by the seed.
    std::string victimFile(const DrillJob& job) const {
        std::vector<std::string> files;
        const auto& root = job.paths.front();
        for (const auto& e : seed_) {
            bool plain = std::all_of(e.path.begin(), e.path.end(),
                                     [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; });
            if (e.kind == verify::SeedKind::File && !e.content.empty() && plain && e.path.rfind(root + "/", 0) == 0 &&
                !verify::isExcluded(e.path, job.exclude)) {
                files.push_back(e.path);
            }
        }
        return files.empty() ? "" : files[drill_.seed % files.size()];
    }

    std::string activeState(const std::string& unit) {
        auto active = sh("systemctl is-active " + shellQuote(unit)).out;
        while (!active.empty() && active.back() == '\n') {
            active.pop_back();
        }
        return active;
    }

    std::string jobUnits() const {
        std::string units;
        for (const auto& job : plan_.jobs) {
            units += " " + shellQuote(job.unit);
        }
        return units;
    }

    /// After `systemctl start --no-block`: until every job unit has ended (ExecStopPost included).
    void waitForJobs() {
        std::string cmd = "for i in $(seq 2400); do busy=0; for u in" + jobUnits() +
                          "; do case $(systemctl show -p ActiveState --value \"$u\") in inactive|failed) ;; *) "
                          "busy=1 ;; esac; done; [ $busy = 0 ] && exit 0; sleep 0.25; done; exit 1";
        if (!sh(cmd).succeeded()) {
            throw util::SystemError("the backup jobs did not end within 10 minutes of the fault");
        }
    }

    /// The run of the jobs with the fault acting on it: a plain run for faults put in place
    /// beforehand; for kill-mid-backup and power-loss the jobs start without waiting, and the
    /// fault hits restic once it holds its lock and has written a pack.
    void runFaultedJobs(const model::Fault& fault, const std::string& repository) {
        if (fault.kind != model::FaultKind::KillMidBackup && fault.kind != model::FaultKind::PowerLoss) {
            auto started = sh("systemctl start" + jobUnits());
            note("$ systemctl start" + jobUnits() + "\n  exit " + std::to_string(started.exitCode));
            return;
        }
        bool kill = fault.kind == model::FaultKind::KillMidBackup;
        if (!kill) {
            // What was written before this backup has long reached the disk on a real machine
            // (writeback runs every few seconds); the power cut is to hit this backup only.
            must("sync");
        }
        must("systemctl start --no-block" + jobUnits());
        auto r = sh(faults::resticWritingCommand(repository, kill, 300));
        note(r.out);
        if (!r.succeeded()) {
            throw util::SystemError("fault " + std::string(scenario::toString(fault.kind)) +
                                    " could not be injected: " + r.out);
        }
        if (kill) {
            note("sent SIGKILL to restic");
            waitForJobs();
            return;
        }
        auto t0 = Clock::now();
        guest_.powerCycle(std::chrono::seconds(drill_.bootTimeoutSeconds));
        note("power cut (domain destroyed) and booted again from the same disks in " +
             fmt(std::chrono::duration<double>(Clock::now() - t0).count()) + " s");
        // The agent answers before the boot has finished: wait for it (enabled services started).
        auto booted = sh("systemctl is-system-running --wait");
        note("system state after the boot: " + booted.out);
        // Boot-time state a real system recreates: the secrets under /run.
        writeSecrets();
        // The probes' logs count seconds since boot: the old boot's lines would mix with the new.
        must("for f in /var/log/nixdrill-probe/*; do [ -e \"$f\" ] && : > \"$f\"; done; true");
        for (const auto& unit : probes_) {
            auto state = activeState(unit);
            note("after the boot: " + unit + " " + state);
        }
    }

    /// The snapshots of the repository with their times (clock-jump's retention check).
    std::vector<verify::Snapshot> allSnapshots(const DrillJob& job) {
        auto r = sh(resticEnv(job) + "restic snapshots --json");
        if (!r.succeeded()) {
            return {};
        }
        try {
            return verify::parseSnapshots(r.out);
        } catch (const util::InputError& e) {
            throw util::SystemError(e.message());
        }
    }

    /// A backup with a fault in place for its length: the jobs run, the fault is reverted, and
    /// the declared outcome is compared with what the run did (metrics, units, snapshots).
    void faultyBackup(unsigned number, const model::Fault& fault) {
        const auto& expect = fault.expect;
        struct Before {
            std::string lastSuccess;
            std::set<std::string> snapshots;
            std::vector<verify::Snapshot> listed;
        };
        std::map<std::string, Before> before;
        std::map<std::string, std::string> fingerprints;
        for (const auto& job : plan_.jobs) {
            before[job.name] = {metricValue(metricsText(job), "restic_backup_last_success_timestamp"), snapshotIds(job),
                                expect.retentionHolds ? allSnapshots(job) : std::vector<verify::Snapshot>{}};
            fingerprints[job.repository] = faults::repositoryFingerprint(guest_, job.repository, stepTimeout_);
        }
        // io-errors makes the data unreadable: its manifest is taken before (same bytes).
        bool manifestAfterInjection = fault.kind != model::FaultKind::IoErrors;
        if (!manifestAfterInjection) {
            for (const auto& job : plan_.jobs) {
                manifests_[number][job.name] = manifestOf("/", job.paths).entries;
            }
        }
        // Timestamps have one-second resolution: "advanced" must be distinguishable from "kept".
        sh("sleep 1");
        if (drill_.zfs) {
            must("rm -f /var/lib/nixdrill-zfs/*"); // captures of an earlier run
        }
        auto zfsBefore = zfsCounts();

        std::vector<faults::Injected> injected;
        auto other = randomSecret();
        redactor_.add(other);
        auto targets = faultTargets();
        for (const auto& [job, target] : targets) {
            auto i = faults::inject(guest_, fault, target, drill_.seed, other, stepTimeout_);
            note("injected " + std::string(scenario::toString(fault.kind)) + ": " + i.description);
            injected.push_back(std::move(i));
        }
        if (manifestAfterInjection) {
            // What this backup must contain: the data as the fault left it (disk-full grows it).
            for (const auto& job : plan_.jobs) {
                manifests_[number][job.name] = manifestOf("/", job.paths).entries;
            }
        }
        runFaultedJobs(fault, targets.front().second.repository);
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
            for (const auto& unit : job.systemdUnits) {
                note(sh("journalctl --no-pager -n 6 -u " + shellQuote(unit)).out);
            }
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
                    auto active = activeState(unit);
                    compare(prefix + "unit " + unit + " running", *expect.unitsRunning ? "yes" : "no",
                            active == "active" ? "yes" : "no (" + active + ")");
                }
            }
            if (expect.retentionHolds) {
                checkRetention(job, before[job.name].listed, compare);
            }
        }
        if (drill_.zfs) {
            // A run that got as far as restic backed up the snapshot: its capture is what a
            // restore of this backup must match. None (the run failed before) is no failure here.
            std::vector<std::string> ignored;
            loadZfsCaptures(number, ignored);
        }
        if (fault.kind != model::FaultKind::PowerLoss) {
            // Whatever failed, cleanup destroys the snapshot (a power cut leaves it to the next run).
            checkZfsAfterRun(zfsBefore, false, failures);
        }
        std::set<std::string> repositories;
        for (const auto& job : plan_.jobs) {
            repositories.insert(job.repository);
        }
        for (const auto& repo : repositories) {
            if (expect.repositoryUnchanged) {
                auto now = faults::repositoryFingerprint(guest_, repo, stepTimeout_);
                compare("repository " + repo + " unchanged", *expect.repositoryUnchanged ? "yes" : "no",
                        now == fingerprints[repo] ? "yes" : "no");
            }
            if (expect.lockLeft) {
                auto locks = faults::lockCount(guest_, repo, stepTimeout_);
                note("repository " + repo + ": " + std::to_string(locks) + " lock file(s)");
                compare("repository " + repo + " lock left", *expect.lockLeft ? "yes" : "no", locks > 0 ? "yes" : "no");
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

    /// The repository's snapshots after the run against the harness's own model of the job's
    /// forget policy over every snapshot that existed (before the run, and made by it).
    template <typename Compare>
    void checkRetention(const DrillJob& job, const std::vector<verify::Snapshot>& listedBefore, Compare&& compare) {
        verify::RetentionPolicy policy;
        try {
            policy = verify::parseRetention(job.forgetArgs);
        } catch (const util::InputError& e) {
            throw util::InputError("job " + job.name + ": " + e.message());
        }
        auto after = allSnapshots(job);
        std::map<std::string, verify::Snapshot> all;
        for (const auto& snap : listedBefore) {
            all[snap.id] = snap;
        }
        for (const auto& snap : after) {
            all[snap.id] = snap;
        }
        std::vector<verify::Snapshot> candidates;
        for (const auto& [id, snap] : all) {
            candidates.push_back(snap);
        }
        auto expected = verify::retainedSnapshots(candidates, policy);
        std::set<std::string> actual;
        for (const auto& snap : after) {
            actual.insert(snap.id);
        }
        auto describe = [&](const std::set<std::string>& ids) {
            std::string out;
            for (const auto& snap : candidates) {
                if (ids.contains(snap.id)) {
                    out += (out.empty() ? "" : ", ") + snap.id.substr(0, 8) + " (" + snap.time.substr(0, 19) + ")";
                }
            }
            return "{" + out + "}";
        };
        std::string policyText;
        for (const auto& a : job.forgetArgs) {
            policyText += (policyText.empty() ? "" : " ") + a;
        }
        note("job " + job.name + ": " + std::to_string(candidates.size()) + " snapshot(s) existed; policy " +
             policyText + "; model keeps " + describe(expected) + "; repository has " + describe(actual));
        compare("job " + job.name + ": retention holds (" + policyText + ")", "yes",
                expected == actual
                    ? std::string("yes")
                    : "no: the model keeps " + describe(expected) + ", the repository has " + describe(actual));
    }

    /// A fault injected between steps (repository corruption), then the declared detection:
    /// restic check --read-data fails, restoring the latest snapshot fails.
    void injectFault(const model::Fault& fault, unsigned backups) {
        const auto& expect = fault.expect;
        std::vector<std::string> failures;
        for (const auto& [job, target] : faultTargets()) {
            auto i = faults::inject(guest_, fault, target, drill_.seed, "", stepTimeout_);
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
        std::vector<std::string> torn; // the file writer's invariant (ZFS drills)
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
            if (auto zp = zfsPaths_[number].find(job.name); zp != zfsPaths_[number].end()) {
                mapSnapshotPaths(target, zp->second);
            }
            if (auto w = writerBounds_[number].find(job.name); w != writerBounds_[number].end()) {
                if (auto problem = checkWriterTree(target + writerDir(job), w->second); !problem.empty()) {
                    torn.push_back("job " + job.name + ": " + problem);
                }
            }
            if (options_.afterRestore) {
                options_.afterRestore(guest_, target);
            }
            auto expected = verify::withoutExcluded(manifests_[number][job.name], job.exclude);
            auto actual = manifestOf(target, dataPaths(job));
            auto differences = verify::compareManifests(expected, actual.entries);
            note("job " + job.name + ": " + std::to_string(expected.size()) + " entries expected, " +
                 std::to_string(actual.entries.size()) + " restored, " + std::to_string(differences.size()) +
                 " differences");
            for (auto& m : verify::toMismatches(differences)) {
                m.pointer = "/jobs/" + job.name + m.pointer;
                mismatches.push_back(std::move(m));
            }
        }
        if (!torn.empty()) {
            std::string message;
            for (const auto& t : torn) {
                message += t + "\n";
            }
            message += std::to_string(mismatches.size()) + " difference(s) between the restored data and backup " +
                       std::to_string(number) + "'s manifest";
            throw StepFailed(message, std::move(mismatches));
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
    std::chrono::milliseconds stepTimeout_; ///< the drill's step timeout, cut to the deadline at each step
    std::chrono::milliseconds configuredStepTimeout_;
    bool deadlinePassed_ = false;
    util::Redactor redactor_;
    std::string evidence_;
    std::vector<CaseResult> cases_;
    std::vector<std::string> probes_;
    std::vector<verify::SeedEntry> seed_;
    std::map<unsigned, std::map<std::string, verify::Manifest>> manifests_; // backup -> job -> manifest
    std::map<unsigned, std::map<std::string, std::string>> snapshots_;      // backup -> job -> id
    std::map<std::string, std::string> secrets_;                            // guest path -> content
    std::map<std::string, unsigned> pgSeedRows_;                            // database -> seeded rows
    std::string pitrTarget_; ///< pg-pitr-mark's target time (between its two commits)
    // backup -> database -> rows committed when the jobs started / ended (the dump point's window)
    std::map<unsigned, std::map<std::string, std::pair<unsigned long, unsigned long>>> pgBounds_;
    /// ZFS drills: backup -> job -> the snapshot paths restic read; the file writer's records
    /// when the jobs started and ended.
    std::map<unsigned, std::map<std::string, std::vector<std::string>>> zfsPaths_;
    std::map<unsigned, std::map<std::string, std::pair<unsigned long, unsigned long>>> writerBounds_;
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
        job.forgetArgs = stringList(j.value("pruneArgs", json::array()), p + "/pruneArgs");
        if (j.contains("postgres") && j["postgres"].is_object()) {
            const auto& pg = j["postgres"];
            job.pgDatabases = stringList(pg.value("databases", json::array()), p + "/postgres/databases");
            job.pgUser = stringOr(pg, "user", "postgres");
            job.pgDumpDir = stringOr(pg, "dumpDir");
            if (pg.contains("pgbackrest") && pg["pgbackrest"].is_object() && pg["pgbackrest"].value("enable", false)) {
                job.pgStanza = stringOr(pg["pgbackrest"], "stanza");
                job.pgRepoPath = stringOr(pg["pgbackrest"], "repoPath");
            }
        }
        job.restoreFile = stringOr(j, "restoreFile");
        job.pitrFile = stringOr(j, "pitrFile");
        if (j.value("useSnapshots", false)) {
            job.zfsDataset = stringOr(j, "zfsDataset");
        }
        if (job.paths.empty() || job.repository.empty() || job.passwordFile.empty()) {
            throw util::InputError(p + ": a drillable job has paths, a repository and a passwordFile");
        }
        if (job.repository.find(':') != std::string::npos || job.repository.empty() || job.repository[0] != '/') {
            // s3:, sftp:, rest:, b2:, rclone:... would make the drill write to a real repository
            // outside the guest's own disks; only the read-only `nixdrill drill` opens those.
            auto repoName = stringOr(j, "repositoryName", "<name>");
            throw util::InputError(p +
                                   "/repository: a drill only writes to a repository on its guest's own disks (an "
                                   "absolute local path), not \"" +
                                   job.repository + "\" (option modules.backup.restic.repositories." + repoName +
                                   ".url; drill a production repository read-only with `nixdrill drill`)");
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
