///@file The container backups' retention model: age limit, count, both, names reused, and
/// runs too close to the age limit to judge.
#include "verify/archive_retention.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::verify;

namespace {

constexpr double day = 86400;

/// Runs `days` apart (a backup each, retention 30 s after it was written).
std::vector<ArchiveRun> runsEvery(double days, int count) {
    std::vector<ArchiveRun> runs;
    for (int i = 0; i < count; ++i) {
        double t = 1e9 + i * days * day;
        runs.push_back({"web-backup-2026010" + std::to_string(i + 1) + "-020000.tar.gz", t, t + 30});
    }
    return runs;
}

std::set<std::string> names(const std::vector<ArchiveRun>& runs, std::initializer_list<int> indexes) {
    std::set<std::string> out;
    for (int i : indexes) {
        out.insert(runs[i].archive);
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(archive_retention)

BOOST_AUTO_TEST_CASE(no_policy_keeps_every_archive) {
    auto runs = runsEvery(3, 4);
    auto e = expectedArchives(runs, {0, 0});
    BOOST_TEST(e.kept == names(runs, {0, 1, 2, 3}));
    BOOST_TEST(e.undecidable.empty());
}

BOOST_AUTO_TEST_CASE(the_count_keeps_the_newest_by_name) {
    auto runs = runsEvery(1, 5);
    BOOST_TEST(expectedArchives(runs, {0, 2}).kept == names(runs, {3, 4}));
    // Names, not the order of the runs, say which is newest (the script sorts them).
    std::swap(runs[3], runs[4]);
    BOOST_TEST(expectedArchives(runs, {0, 2}).kept == names(runs, {3, 4}));
}

BOOST_AUTO_TEST_CASE(the_age_limit_removes_archives_older_than_it_at_each_run) {
    auto runs = runsEvery(3, 4); // days 0, 3, 6, 9
    // At day 6 the day-0 archive is 6 days old (> 4), at day 9 the day-3 one.
    BOOST_TEST(expectedArchives(runs, {4, 0}).kept == names(runs, {2, 3}));
    BOOST_TEST(expectedArchives(runs, {10, 0}).kept == names(runs, {0, 1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(age_then_count) {
    auto runs = runsEvery(3, 4);
    BOOST_TEST(expectedArchives(runs, {4, 1}).kept == names(runs, {3}));
    BOOST_TEST(expectedArchives(runs, {7, 3}).kept == names(runs, {1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(a_reused_name_replaces_the_archive) {
    std::vector<ArchiveRun> runs = {{"a-backup-20260101-020000.zip", 100, 101},
                                    {"a-backup-20260101-020000.zip", 100.5, 102}};
    BOOST_TEST(expectedArchives(runs, {0, 7}).kept.size() == 1U);
}

BOOST_AUTO_TEST_CASE(an_age_at_the_limit_cannot_be_judged) {
    auto runs = runsEvery(2, 2);
    runs[1].retainedAt = runs[0].madeAt + 2 * day + 30; // 30 s past the 2-day limit
    auto e = expectedArchives(runs, {2, 0});
    BOOST_TEST(e.undecidable == std::vector<std::string>{runs[0].archive}, boost::test_tools::per_element());
    BOOST_TEST(expectedArchives(runs, {2, 0}, 10).undecidable.empty());
}

BOOST_AUTO_TEST_SUITE_END()
