///@file The `drill` use case: a read-only restore drill against a production restic repository.
#include "engine/repository_drill.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/text.hpp"
#include "verify/seed_data.hpp"

#include <algorithm>
#include <charconv>
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

std::size_t SampleSize::of(std::size_t total) const {
    if (kind == Kind::Files) {
        return std::min<std::size_t>(files, total);
    }
    // Integer arithmetic, so the count never depends on floating-point rounding.
    std::size_t n = (total * hundredthsPercent + 9999) / 10000;
    return std::min(total, std::max<std::size_t>(n, total == 0 ? 0 : 1));
}

std::string SampleSize::describe() const {
    if (kind == Kind::Files) {
        return std::to_string(files) + (files == 1 ? " file" : " files");
    }
    std::string out = std::to_string(hundredthsPercent / 100);
    if (unsigned frac = hundredthsPercent % 100; frac != 0) {
        out += "." + std::string(1, static_cast<char>('0' + frac / 10));
        if (frac % 10 != 0) {
            out += static_cast<char>('0' + frac % 10);
        }
    }
    return out + "%";
}

SampleSize parseSampleSize(const std::string& text) {
    auto bad = [&]() {
        return util::InputError("--sample takes a number of files from 1 to 1000000 or a percentage above 0 and "
                                "at most 100 with at most two decimals (e.g. 10%), got '" +
                                text + "'");
    };
    SampleSize s;
    auto digits = [](std::string_view v) {
        return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!text.empty() && text.back() == '%') {
        std::string_view v(text.data(), text.size() - 1);
        auto dot = v.find('.');
        std::string_view whole = v.substr(0, dot);
        std::string_view frac = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
        if (!digits(whole) || whole.size() > 3 ||
            (dot != std::string_view::npos && (!digits(frac) || frac.size() > 2))) {
            throw bad();
        }
        unsigned w = 0;
        std::from_chars(whole.data(), whole.data() + whole.size(), w);
        unsigned f = 0;
        if (!frac.empty()) {
            std::from_chars(frac.data(), frac.data() + frac.size(), f);
            f *= frac.size() == 1 ? 10 : 1;
        }
        unsigned hundredths = w * 100 + f;
        if (hundredths == 0 || hundredths > 10000) {
            throw bad();
        }
        s.kind = SampleSize::Kind::Percent;
        s.hundredthsPercent = hundredths;
        return s;
    }
    unsigned long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (!digits(text) || ec != std::errc() || ptr != text.data() + text.size() || n == 0 || n > 1000000) {
        throw bad();
    }
    s.files = static_cast<unsigned>(n);
    return s;
}

std::vector<verify::SnapshotNode> selectSample(std::vector<verify::SnapshotNode> files, const SampleSize& sample,
                                               std::uint64_t seed) {
    std::size_t n = sample.of(files.size());
    if (n >= files.size()) {
        return files;
    }
    // A partial Fisher-Yates shuffle of the indices: the first n are the sample.
    std::vector<std::size_t> order(files.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    verify::SeedRandom rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
        std::swap(order[i], order[i + rng.below(order.size() - i)]);
    }
    order.resize(n);
    std::sort(order.begin(), order.end());
    std::vector<verify::SnapshotNode> out;
    out.reserve(n);
    for (auto i : order) {
        out.push_back(std::move(files[i]));
    }
    return out;
}

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

namespace {

/// The restored copies of `files` under `target` against the snapshot's metadata: a
/// mismatch in `c` for each missing file and each wrong size or mode. Returns the bytes found.
std::uint64_t compareRestored(const std::vector<verify::SnapshotNode>& files, const std::filesystem::path& target,
                              CaseResult& c) {
    std::uint64_t restoredBytes = 0;
    for (const auto& f : files) {
        auto p = target / std::filesystem::path(f.path).relative_path();
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            c.mismatches.push_back({"/files" + f.path, nlohmann::json("a restored file"), std::nullopt, "missing"});
            continue;
        }
        restoredBytes += static_cast<std::uint64_t>(st.st_size);
        if (static_cast<std::uint64_t>(st.st_size) != f.size) {
            c.mismatches.push_back({"/files" + f.path, nlohmann::json(f.size), nlohmann::json(st.st_size), "size"});
        }
        if ((st.st_mode & 07777) != f.mode) {
            c.mismatches.push_back(
                {"/files" + f.path, nlohmann::json(f.mode), nlohmann::json(st.st_mode & 07777), "mode"});
        }
    }
    return restoredBytes;
}

/// The drill's three cases in order. Each later case reads what the earlier ones found (the
/// opened repository, the latest snapshot), and all of them fill the measures.
class RepositoryDrill {
public:
    RepositoryDrill(const RepositoryDrillOptions& options, model::SuiteResult& suite)
        : options_(options), suite_(suite) {}

    void run() {
        timed("latest-snapshot", &RepositoryDrill::findLatestSnapshot);
        timed("restore", &RepositoryDrill::restoreLatest);
        timed("check", &RepositoryDrill::checkRepository);
    }

    const RepositoryDrillMeasures& measures() const { return measures_; }

private:
    /// Runs one case: a util::Error out of `body` makes it Broken; the case is timed, reported
    /// through onCase and added to the suite.
    void timed(const std::string& name, void (RepositoryDrill::*body)(CaseResult&)) {
        CaseResult c;
        c.name = name;
        c.kind = "repository-drill:" + name;
        auto t0 = Clock::now();
        try {
            (this->*body)(c);
        } catch (const util::Error& e) {
            c.outcome = Outcome::Broken;
            c.message = e.describe();
        }
        c.durationSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        add(std::move(c));
    }

    void add(CaseResult c) {
        c.scenario = options_.name;
        c.classname = "drill." + options_.name;
        suite_.durationSeconds += c.durationSeconds;
        if (options_.onCase) {
            options_.onCase(c);
        }
        suite_.cases.push_back(std::move(c));
    }

    /// Opens the repository and finds its latest snapshot and that snapshot's age (the RPO).
    void findLatestSnapshot(CaseResult& c) {
        restic_.emplace(options_.repository, options_.restic);
        auto snaps = restic_->snapshots();
        for (const auto& s : snaps) {
            auto t = parseResticTime(s.time);
            if (!latest_ || (t && parseResticTime(latest_->time) && *t > *parseResticTime(latest_->time))) {
                latest_ = s;
            }
        }
        if (!latest_) {
            c.outcome = Outcome::Failed;
            c.message = "the repository has no snapshot to restore";
            return;
        }
        if (auto t = parseResticTime(latest_->time)) {
            auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
            measures_.snapshotAgeSeconds = now - *t;
        }
        c.output = std::to_string(snaps.size()) + " snapshot(s); latest " + latest_->id.substr(0, 8) + " of " +
                   latest_->time + " (" + number(measures_.snapshotAgeSeconds.value_or(-1)) + " s old)";
    }

    /// The latest snapshot's regular files.
    std::vector<verify::SnapshotNode> snapshotFiles() const {
        std::vector<verify::SnapshotNode> files;
        for (const auto& n : restic_->list(latest_->id)) {
            if (n.type == "file") {
                files.push_back(n);
            }
        }
        return files;
    }

    /// Where to restore: the scratch directory (created if need be) or `temp`, which the caller
    /// keeps until the restored files are compared.
    std::filesystem::path restoreTarget(std::optional<util::TempDir>& temp) const {
        if (options_.scratch) {
            std::filesystem::create_directories(*options_.scratch);
            return *options_.scratch;
        }
        temp.emplace("nixdrill-drill-");
        return temp->path();
    }

    /// `restic restore --verify` of the sample (or the whole snapshot), then the restored files
    /// compared with the snapshot's metadata.
    void restoreLatest(CaseResult& c) {
        if (!latest_) {
            c.outcome = Outcome::Skipped;
            c.message = "no snapshot to restore";
            return;
        }
        auto files = snapshotFiles();
        std::size_t inSnapshot = files.size();
        std::uint64_t seed = options_.seed.value_or(verify::stableHash(latest_->id));
        if (!options_.full) {
            files = selectSample(std::move(files), options_.sample, seed);
        }
        std::optional<util::TempDir> temp;
        std::filesystem::path target = restoreTarget(temp);
        std::vector<std::string> args = {"--verify", latest_->id, "--target", target.string()};
        if (!options_.full) {
            for (const auto& f : files) {
                args.push_back("--include");
                args.push_back(f.path);
            }
        }
        auto t0 = Clock::now();
        auto r = restic_->run(verify::ReadOperation::Restore, args);
        measures_.restoreSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (r.exitCode != 0) {
            c.outcome = Outcome::Failed;
            c.message = "restic restore --verify failed (exit " + std::to_string(r.exitCode) + ")";
            c.output = r.err;
            return;
        }
        measures_.restoredBytes += compareRestored(files, target, c);
        c.output = restoreSummary(files.size(), inSnapshot, seed);
        if (!c.mismatches.empty()) {
            c.outcome = Outcome::Failed;
            c.message = std::to_string(c.mismatches.size()) + " restored file(s) differ from the snapshot's metadata";
            return;
        }
        measures_.restoreOk = true;
    }

    std::string restoreSummary(std::size_t restored, std::size_t inSnapshot, std::uint64_t seed) const {
        char seedText[32];
        std::snprintf(seedText, sizeof seedText, "%016llx", static_cast<unsigned long long>(seed));
        return "restored " + std::to_string(restored) + " file(s) of " + std::to_string(inSnapshot) +
               (options_.full ? " (full restore)"
                              : " (sample " + options_.sample.describe() + ", seed " + seedText + ")") +
               ", " + std::to_string(measures_.restoredBytes) + " bytes in " + number(measures_.restoreSeconds) +
               " s; content verified by restic restore --verify";
    }

    /// `restic check`, with --read-data-subset when asked.
    void checkRepository(CaseResult& c) {
        if (!restic_) {
            c.outcome = Outcome::Skipped;
            c.message = "the repository could not be opened";
            return;
        }
        const auto& subset = options_.readDataSubset;
        std::vector<std::string> args;
        if (!subset.empty()) {
            args.push_back("--read-data-subset=" + subset);
        }
        auto r = restic_->run(verify::ReadOperation::Check, args);
        c.output = r.out + r.err;
        if (r.exitCode != 0) {
            c.outcome = Outcome::Failed;
            c.message = "restic check" + (subset.empty() ? "" : " --read-data-subset=" + subset) +
                        " found errors (exit " + std::to_string(r.exitCode) + ")";
            return;
        }
        measures_.verifyOk = true;
    }

    const RepositoryDrillOptions& options_;
    model::SuiteResult& suite_;
    RepositoryDrillMeasures measures_;
    std::optional<verify::ReadOnlyRestic> restic_;
    std::optional<verify::Snapshot> latest_;
};

} // namespace

model::RunResult runRepositoryDrill(const RepositoryDrillOptions& o, RepositoryDrillMeasures* measuresOut) {
    auto started = Clock::now();
    model::RunResult run;
    run.command = "drill";
    run.startedAt = util::formatTimestamp(std::chrono::system_clock::now());
    run.properties["drill.repository"] = repositoryLabel(o.repository.url);
    model::SuiteResult suite;
    suite.name = "drill." + o.name;
    suite.timestamp = run.startedAt;

    RepositoryDrill drill(o, suite);
    drill.run();
    RepositoryDrillMeasures m = drill.measures();

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
