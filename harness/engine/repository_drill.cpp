///@file The `drill` use case: a read-only restore drill against a production restic repository.
#include "engine/repository_drill.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/text.hpp"
#include "verify/seed_data.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sys/stat.h>

namespace nixdrill::engine {

using model::CaseResult;
using model::Outcome;

namespace {

using Clock = std::chrono::steady_clock;

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
    }
    return out;
}

} // namespace

std::string repositoryLabel(const std::string& url) {
    // Credentials end at the last "@" before the path; the path itself may contain "@".
    auto scheme = url.find("://");
    std::size_t hostStart = scheme == std::string::npos ? std::string::npos : scheme + 3;
    if (hostStart == std::string::npos && url.rfind("sftp:", 0) == 0) {
        hostStart = 5;
    }
    if (hostStart == std::string::npos) {
        return url;
    }
    auto pathStart = url.find('/', hostStart);
    auto at = url.rfind('@', pathStart == std::string::npos ? std::string::npos : pathStart);
    if (at == std::string::npos || at < hostStart) {
        return url;
    }
    return url.substr(0, hostStart) + url.substr(at + 1);
}

std::optional<double> parseResticTime(const std::string& text) {
    std::tm tm{};
    const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == nullptr) {
        return std::nullopt;
    }
    double fraction = 0;
    if (*rest == '.') {
        double scale = 0.1;
        for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
            fraction += (*rest - '0') * scale;
            scale /= 10;
        }
    }
    long offset = 0;
    if (*rest == 'Z') {
        ++rest;
    } else if (*rest == '+' || *rest == '-') {
        int h = 0;
        int m = 0;
        if (std::sscanf(rest + 1, "%2d:%2d", &h, &m) != 2) {
            return std::nullopt;
        }
        offset = (h * 3600L + m * 60L) * (*rest == '+' ? 1 : -1);
        rest += 6;
    } else {
        return std::nullopt;
    }
    if (*rest != '\0') {
        return std::nullopt;
    }
    return static_cast<double>(::timegm(&tm) - offset) + fraction;
}

std::string renderDrillMetrics(const std::string& drill, const std::string& repository,
                               const RepositoryDrillMeasures& m) {
    std::string labels = "{drill=\"" + escapeLabel(drill) + "\",repository=\"" + escapeLabel(repository) + "\"}";
    std::string out;
    auto metric = [&](const char* name, const char* help, const std::string& value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + labels + " " +
               value + "\n";
    };
    metric("restic_restore_test_status", "1 when the sampled files restored and matched the snapshot, else 0.",
           m.restoreOk ? "1" : "0");
    metric("restic_verification_status", "1 when restic check found no errors, else 0.", m.verifyOk ? "1" : "0");
    if (m.snapshotAgeSeconds) {
        metric("restic_snapshot_age_seconds", "Age of the latest snapshot when the drill ran (the RPO).",
               number(*m.snapshotAgeSeconds));
    }
    metric("restic_restore_duration_seconds", "Time the drill's restore took.", number(m.restoreSeconds));
    metric("restic_restore_bytes", "Bytes the drill restored.", std::to_string(m.restoredBytes));
    metric("restic_restore_throughput_bytes_per_second", "Restored bytes per second of restore time.",
           number(m.restoreSeconds > 0 ? static_cast<double>(m.restoredBytes) / m.restoreSeconds : 0));
    metric("restic_drill_last_run_timestamp_seconds", "When the drill finished, in Unix time.",
           std::to_string(m.finishedAt));
    return out;
}

model::RunResult runRepositoryDrill(const RepositoryDrillOptions& o, RepositoryDrillMeasures* measuresOut) {
    auto started = Clock::now();
    model::RunResult run;
    run.command = "drill";
    run.startedAt = util::formatTimestamp(std::chrono::system_clock::now());
    run.properties["drill.repository"] = repositoryLabel(o.repository.url);
    model::SuiteResult suite;
    suite.name = "drill." + o.name;
    suite.timestamp = run.startedAt;
    RepositoryDrillMeasures m;

    auto add = [&](CaseResult c) {
        c.scenario = o.name;
        c.classname = "drill." + o.name;
        suite.durationSeconds += c.durationSeconds;
        if (o.onCase) {
            o.onCase(c);
        }
        suite.cases.push_back(std::move(c));
    };
    auto timed = [&](const std::string& name, auto&& body) {
        CaseResult c;
        c.name = name;
        c.kind = "repository-drill:" + name;
        auto t0 = Clock::now();
        try {
            body(c);
        } catch (const util::Error& e) {
            c.outcome = Outcome::Broken;
            c.message = e.describe();
        }
        c.durationSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        add(std::move(c));
    };

    std::optional<verify::ReadOnlyRestic> restic;
    std::optional<verify::Snapshot> latest;
    timed("latest-snapshot", [&](CaseResult& c) {
        restic.emplace(o.repository, o.restic);
        auto snaps = restic->snapshots();
        for (const auto& s : snaps) {
            auto t = parseResticTime(s.time);
            if (!latest || (t && parseResticTime(latest->time) && *t > *parseResticTime(latest->time))) {
                latest = s;
            }
        }
        if (!latest) {
            c.outcome = Outcome::Failed;
            c.message = "the repository has no snapshot to restore";
            return;
        }
        if (auto t = parseResticTime(latest->time)) {
            auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
            m.snapshotAgeSeconds = now - *t;
        }
        c.output = std::to_string(snaps.size()) + " snapshot(s); latest " + latest->id.substr(0, 8) + " of " +
                   latest->time + " (" + number(m.snapshotAgeSeconds.value_or(-1)) + " s old)";
    });

    timed("restore", [&](CaseResult& c) {
        if (!latest) {
            c.outcome = Outcome::Skipped;
            c.message = "no snapshot to restore";
            return;
        }
        auto nodes = restic->list(latest->id);
        std::vector<verify::SnapshotNode> files;
        for (const auto& n : nodes) {
            if (n.type == "file") {
                files.push_back(n);
            }
        }
        if (!o.full && files.size() > o.sampleFiles) {
            // A deterministic sample per snapshot: the same snapshot is always checked the same way.
            verify::SeedRandom rng(verify::stableHash(latest->id));
            for (std::size_t i = 0; i < o.sampleFiles; ++i) {
                std::swap(files[i], files[i + rng.below(files.size() - i)]);
            }
            files.resize(o.sampleFiles);
        }
        std::optional<util::TempDir> temp;
        std::filesystem::path target;
        if (o.scratch) {
            target = *o.scratch;
            std::filesystem::create_directories(target);
        } else {
            temp.emplace("nixdrill-drill-");
            target = temp->path();
        }
        std::vector<std::string> args = {"--verify", latest->id, "--target", target.string()};
        if (!o.full) {
            for (const auto& f : files) {
                args.push_back("--include");
                args.push_back(f.path);
            }
        }
        auto t0 = Clock::now();
        auto r = restic->run(verify::ReadOperation::Restore, args);
        m.restoreSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (r.exitCode != 0) {
            c.outcome = Outcome::Failed;
            c.message = "restic restore --verify failed (exit " + std::to_string(r.exitCode) + ")";
            c.output = r.err;
            return;
        }
        for (const auto& f : files) {
            auto p = target / std::filesystem::path(f.path).relative_path();
            struct stat st {};
            if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
                c.mismatches.push_back({"/files" + f.path, nlohmann::json("a restored file"), std::nullopt, "missing"});
                continue;
            }
            m.restoredBytes += static_cast<std::uint64_t>(st.st_size);
            if (static_cast<std::uint64_t>(st.st_size) != f.size) {
                c.mismatches.push_back({"/files" + f.path, nlohmann::json(f.size), nlohmann::json(st.st_size), "size"});
            }
            if ((st.st_mode & 07777) != f.mode) {
                c.mismatches.push_back(
                    {"/files" + f.path, nlohmann::json(f.mode), nlohmann::json(st.st_mode & 07777), "mode"});
            }
        }
        c.output = "restored " + std::to_string(files.size()) + " file(s), " + std::to_string(m.restoredBytes) +
                   " bytes in " + number(m.restoreSeconds) + " s; content verified by restic restore --verify";
        if (!c.mismatches.empty()) {
            c.outcome = Outcome::Failed;
            c.message = std::to_string(c.mismatches.size()) + " restored file(s) differ from the snapshot's metadata";
            return;
        }
        m.restoreOk = true;
    });

    timed("check", [&](CaseResult& c) {
        if (!restic) {
            c.outcome = Outcome::Skipped;
            c.message = "the repository could not be opened";
            return;
        }
        std::vector<std::string> args;
        if (!o.readDataSubset.empty()) {
            args.push_back("--read-data-subset=" + o.readDataSubset);
        }
        auto r = restic->run(verify::ReadOperation::Check, args);
        c.output = r.out + r.err;
        if (r.exitCode != 0) {
            c.outcome = Outcome::Failed;
            c.message = "restic check" + (o.readDataSubset.empty() ? "" : " --read-data-subset=" + o.readDataSubset) +
                        " found errors (exit " + std::to_string(r.exitCode) + ")";
            return;
        }
        m.verifyOk = true;
    });

    m.finishedAt = static_cast<long long>(std::time(nullptr));
    run.suites.push_back(std::move(suite));
    run.durationSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (o.metricsDir) {
        util::writeFileAtomic(*o.metricsDir / ("restic-drill-" + o.name + ".prom"),
                              renderDrillMetrics(o.name, repositoryLabel(o.repository.url), m));
    }
    if (measuresOut != nullptr) {
        *measuresOut = m;
    }
    return run;
}

} // namespace nixdrill::engine
