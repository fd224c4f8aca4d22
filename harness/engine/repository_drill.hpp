///@file The `drill` use case: a read-only restore drill against a production restic repository.
#pragma once

#include "model/result.hpp"
#include "verify/restic.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::engine {

/// How many files of the latest snapshot a drill restores: a count, or a share of its files.
struct SampleSize {
    enum class Kind { Files, Percent };
    Kind kind = Kind::Files;
    unsigned files = 20;            ///< Kind::Files: 1 to 1000000
    unsigned hundredthsPercent = 0; ///< Kind::Percent: 1 (0.01%) to 10000 (100%)

    /// Files to pick out of `total`: the count (at most `total`), or the share rounded up and at
    /// least 1 when `total` is not 0.
    std::size_t of(std::size_t total) const;
    /// "20 files" or "10%" (as given, in the shortest form).
    std::string describe() const;
};

/// "N" (files, 1 to 1000000) or "P%" (0 < P <= 100, at most two decimals: "10%", "0.5%").
/// @throws util::InputError naming the value and what is accepted.
SampleSize parseSampleSize(const std::string& text);

/// The files a drill restores: `sample.of(files.size())` of them, chosen by a seeded shuffle, so
/// the same seed (and list) always gives the same choice. Keeps the chosen files in list order.
std::vector<verify::SnapshotNode> selectSample(std::vector<verify::SnapshotNode> files, const SampleSize& sample,
                                               std::uint64_t seed);

struct RepositoryDrillOptions {
    std::string name = "default"; ///< the drill's name (metrics label, report suite)
    verify::ResticRepository repository;
    SampleSize sample; ///< files restored and verified (ignored with `full`)
    /// The sample's seed; default: a hash of the latest snapshot's id (each snapshot is always
    /// checked the same way, a new snapshot gets a new choice).
    std::optional<std::uint64_t> seed;
    bool full = false;                               ///< restore the whole latest snapshot
    std::string readDataSubset;                      ///< restic check --read-data-subset; empty: metadata only
    std::optional<std::filesystem::path> scratch;    ///< where to restore; default: a temporary directory
    std::optional<std::filesystem::path> metricsDir; ///< writes restic-drill-<name>.prom there
    std::string restic = "restic";
    std::function<void(const model::CaseResult&)> onCase;
};

/// What the drill measured, for the metrics file.
struct RepositoryDrillMeasures {
    bool restoreOk = false;
    bool verifyOk = false;
    std::optional<double> snapshotAgeSeconds;
    double restoreSeconds = 0;
    std::uint64_t restoredBytes = 0;
    long long finishedAt = 0; ///< Unix time
};

/// Runs the drill: latest snapshot and its age, a sample (or all) of its files restored with
/// `restic restore --verify` and compared with the snapshot's metadata, `restic check`. Only
/// read operations with --no-lock: no lock is taken or removed, nothing is written to the
/// repository. Failures become Failed/Broken cases; the metrics file is written atomically.
/// @throws util::SystemError when the metrics file cannot be written.
model::RunResult runRepositoryDrill(const RepositoryDrillOptions& options, RepositoryDrillMeasures* measures = nullptr);

/// The metrics file text (pure): restic_restore_test_status, restic_verification_status,
/// restic_snapshot_age_seconds, restic_restore_duration_seconds, restic_restore_bytes,
/// restic_restore_throughput_bytes_per_second, restic_drill_last_run_timestamp_seconds.
std::string renderDrillMetrics(const std::string& drill, const std::string& repositoryLabel,
                               const RepositoryDrillMeasures& m);

/// A repository URL without credentials (user:password@ removed, as restic reads them).
std::string repositoryLabel(const std::string& url);

/// Seconds since the epoch of a restic timestamp ("2026-11-23T20:41:15.9177Z", "...+01:00").
std::optional<double> parseResticTime(const std::string& text);

} // namespace nixdrill::engine
