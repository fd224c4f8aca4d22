///@file Tests of the pure parts of the repository drill: labels, timestamps, metrics text.
#include "engine/repository_drill.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <set>

using namespace nixdrill;

BOOST_AUTO_TEST_SUITE(engine_repository_drill)

BOOST_AUTO_TEST_CASE(labels_drop_credentials) {
    BOOST_TEST(engine::repositoryLabel("rest:https://user:p@ss@host:8000/x/") == "rest:https://host:8000/x/");
    BOOST_TEST(engine::repositoryLabel("s3:https://k:s@s3.example.com/b/a@b") == "s3:https://s3.example.com/b/a@b");
    BOOST_TEST(engine::repositoryLabel("sftp:me:p@w@host:/srv/r@po") == "sftp:host:/srv/r@po");
    BOOST_TEST(engine::repositoryLabel("/var/lib/repo") == "/var/lib/repo");
    BOOST_TEST(engine::repositoryLabel("b2:bucket:path") == "b2:bucket:path");
}

BOOST_AUTO_TEST_CASE(restic_times) {
    BOOST_TEST(*engine::parseResticTime("1970-01-01T00:01:00Z") == 60.0);
    BOOST_TEST(*engine::parseResticTime("1970-01-01T01:00:00.5+01:00") == 0.5);
    BOOST_TEST(*engine::parseResticTime("1970-01-01T00:00:00-00:30") == 1800.0);
    BOOST_TEST(!engine::parseResticTime("yesterday").has_value());
    BOOST_TEST(!engine::parseResticTime("1970-01-01T00:00:00").has_value());
}

BOOST_AUTO_TEST_CASE(metrics_text) {
    engine::RepositoryDrillMeasures m;
    m.restoreOk = true;
    m.verifyOk = false;
    m.snapshotAgeSeconds = 3600;
    m.restoreSeconds = 2;
    m.restoredBytes = 1000;
    m.finishedAt = 1795392000;
    auto text = engine::renderDrillMetrics("nas", "rest:https://host/", m);
    BOOST_TEST(text.find("restic_restore_test_status{drill=\"nas\",repository=\"rest:https://host/\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("restic_verification_status{drill=\"nas\",repository=\"rest:https://host/\"} 0\n") !=
               std::string::npos);
    BOOST_TEST(
        text.find(
            "restic_restore_throughput_bytes_per_second{drill=\"nas\",repository=\"rest:https://host/\"} 500\n") !=
        std::string::npos);
    BOOST_TEST(text.find("restic_snapshot_age_seconds{drill=\"nas\",repository=\"rest:https://host/\"} 3600\n") !=
               std::string::npos);
}

namespace {

std::vector<verify::SnapshotNode> someFiles(std::size_t n) {
    std::vector<verify::SnapshotNode> files;
    for (std::size_t i = 0; i < n; ++i) {
        files.push_back({"/data/f" + std::to_string(i), "file", i, 0644});
    }
    return files;
}

} // namespace

BOOST_AUTO_TEST_CASE(sample_sizes) {
    auto files = engine::parseSampleSize("20");
    BOOST_TEST(files.of(100) == 20u);
    BOOST_TEST(files.of(5) == 5u);
    BOOST_TEST(files.of(0) == 0u);
    BOOST_TEST(files.describe() == "20 files");
    auto tenth = engine::parseSampleSize("10%");
    BOOST_TEST(tenth.of(100) == 10u);
    BOOST_TEST(tenth.of(101) == 11u); // rounded up
    BOOST_TEST(tenth.of(3) == 1u);    // at least one file
    BOOST_TEST(tenth.of(0) == 0u);
    BOOST_TEST(tenth.describe() == "10%");
    auto small = engine::parseSampleSize("0.01%");
    BOOST_TEST(small.of(1) == 1u);
    BOOST_TEST(small.of(10000) == 1u);
    BOOST_TEST(small.of(10001) == 2u);
    BOOST_TEST(engine::parseSampleSize("12.5%").describe() == "12.5%");
    BOOST_TEST(engine::parseSampleSize("12.25%").of(400) == 49u);
    BOOST_TEST(engine::parseSampleSize("100%").of(41) == 41u);
    BOOST_TEST(engine::parseSampleSize("33.33%").of(3) == 1u);
    BOOST_TEST(engine::parseSampleSize("33.34%").of(3) == 2u);
    BOOST_CHECK_THROW(engine::parseSampleSize("0%"), util::InputError);
    BOOST_CHECK_THROW(engine::parseSampleSize("101%"), util::InputError);
    BOOST_CHECK_THROW(engine::parseSampleSize(""), util::InputError);
}

BOOST_AUTO_TEST_CASE(sample_selection_is_seeded) {
    auto all = someFiles(41);
    auto pct = engine::parseSampleSize("10%");
    auto a = engine::selectSample(all, pct, 7);
    BOOST_TEST(a.size() == 5u); // ceil(4.1)
    // The same seed chooses the same files; they are distinct, from the list, in list order.
    auto again = engine::selectSample(all, pct, 7);
    BOOST_TEST(a.size() == again.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST(a[i].path == again[i].path);
    }
    std::set<std::string> seen;
    std::string previous;
    for (const auto& f : a) {
        BOOST_TEST(f.path.rfind("/data/f", 0) == 0u);
        BOOST_TEST(seen.insert(f.path).second);
        auto index = std::stoul(f.path.substr(7));
        BOOST_TEST(index < 41u);
        BOOST_TEST((previous.empty() || std::stoul(previous.substr(7)) < index));
        previous = f.path;
    }
    // Other seeds choose other files (not all of 20 seeds can agree with seed 7 by chance).
    std::size_t differing = 0;
    for (std::uint64_t seed = 100; seed < 120; ++seed) {
        auto b = engine::selectSample(all, pct, seed);
        BOOST_TEST(b.size() == 5u);
        bool same = true;
        for (std::size_t i = 0; i < b.size(); ++i) {
            same = same && b[i].path == a[i].path;
        }
        differing += same ? 0 : 1;
    }
    BOOST_TEST(differing >= 15u);
    // Every file can be chosen: over many seeds, a 10% sample of 41 covers the whole list.
    std::set<std::string> covered;
    for (std::uint64_t seed = 0; seed < 400; ++seed) {
        for (const auto& f : engine::selectSample(all, pct, seed)) {
            covered.insert(f.path);
        }
    }
    BOOST_TEST(covered.size() == 41u);
    BOOST_TEST(engine::selectSample(all, engine::parseSampleSize("100%"), 1).size() == 41u);
    BOOST_TEST(engine::selectSample(all, engine::parseSampleSize("50"), 1).size() == 41u);
    BOOST_TEST(engine::selectSample(someFiles(1), engine::parseSampleSize("0.01%"), 1).size() == 1u);
    BOOST_TEST(engine::selectSample({}, pct, 1).empty());
}

BOOST_AUTO_TEST_SUITE_END()
