///@file Tests of the pure parts of the repository drill: labels, timestamps, metrics text.
#include "engine/repository_drill.hpp"

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
