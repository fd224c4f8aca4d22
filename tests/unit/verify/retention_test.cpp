///@file Tests of the retention model: hand-worked policies, and agreement with restic's own
/// `forget --dry-run` over a repository with snapshots spread across two years.
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "verify/retention.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace nixdrill;

namespace {

verify::Snapshot snap(const std::string& id, const std::string& time) {
    return {id, time, {"/srv/data"}, "host"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(verify_retention)

BOOST_AUTO_TEST_CASE(policy_arguments_are_read_and_unknown_ones_refused) {
    auto p = verify::parseRetention({"--keep-daily", "14", "--keep-weekly=8", "--keep-last", "3"});
    BOOST_TEST(p.daily == 14u);
    BOOST_TEST(p.weekly == 8u);
    BOOST_TEST(p.last == 3u);
    BOOST_TEST(p.monthly == 0u);
    BOOST_CHECK_THROW(verify::parseRetention({"--keep-within", "2d"}), util::InputError);
    BOOST_CHECK_THROW(verify::parseRetention({"--keep-daily"}), util::InputError);
    BOOST_CHECK_THROW(verify::parseRetention({"--keep-daily", "x"}), util::InputError);
}

BOOST_AUTO_TEST_CASE(daily_keeps_the_newest_of_each_day) {
    // Two snapshots on the 3rd: only the newer one counts for that day.
    std::vector<verify::Snapshot> s = {snap("a", "2026-01-01T10:00:00Z"), snap("b", "2026-01-02T10:00:00Z"),
                                       snap("c", "2026-01-03T09:00:00Z"), snap("d", "2026-01-03T18:00:00Z")};
    auto kept = verify::retainedSnapshots(s, {.daily = 2});
    BOOST_TEST((kept == std::set<std::string>{"d", "b"}));
}

BOOST_AUTO_TEST_CASE(a_clock_jump_leaves_one_snapshot_per_rule_bucket) {
    // Daily backups for three days, then the clock jumps 120 days: keep-daily 2 keeps the new
    // one and the newest before the jump; weekly and monthly are already satisfied by the
    // newest snapshot.
    std::vector<verify::Snapshot> s = {snap("d0", "2026-03-01T14:00:00Z"), snap("d1", "2026-03-02T14:00:00Z"),
                                       snap("d2", "2026-03-03T14:00:00Z"), snap("j", "2026-07-01T14:00:00Z")};
    auto kept = verify::retainedSnapshots(s, {.daily = 2, .weekly = 1, .monthly = 1});
    BOOST_TEST((kept == std::set<std::string>{"j", "d2"}));
    // keep-monthly 2 reaches back to March too: same set. keep-yearly 1 adds nothing either.
    BOOST_TEST((verify::retainedSnapshots(s, {.monthly = 2, .yearly = 1}) == std::set<std::string>{"j", "d2"}));
    // keep-weekly 3: July's week, and the week of March 2-3 (Mon-Tue), and the week of Sunday March 1.
    BOOST_TEST((verify::retainedSnapshots(s, {.weekly = 3}) == std::set<std::string>{"j", "d2", "d0"}));
}

BOOST_AUTO_TEST_CASE(iso_weeks_cross_years) {
    // 2026-12-31 (Thursday) is in 2026-W53; 2027-01-01..03 too; 2027-01-04 starts 2027-W01.
    std::vector<verify::Snapshot> s = {snap("thu", "2026-12-31T12:00:00Z"), snap("sun", "2027-01-03T12:00:00Z"),
                                       snap("mon", "2027-01-04T12:00:00Z")};
    BOOST_TEST((verify::retainedSnapshots(s, {.weekly = 5}) == std::set<std::string>{"mon", "sun"}));
}

BOOST_AUTO_TEST_CASE(offsets_order_but_do_not_move_buckets) {
    // 23:30 at -02:00 is after 00:30Z of the next day, but its own day is the 1st.
    std::vector<verify::Snapshot> s = {snap("late", "2026-05-01T23:30:00-02:00"), snap("utc", "2026-05-02T00:30:00Z")};
    BOOST_TEST((verify::retainedSnapshots(s, {.last = 1}) == std::set<std::string>{"late"}));
    BOOST_TEST((verify::retainedSnapshots(s, {.daily = 1}) == std::set<std::string>{"late"}));
    BOOST_TEST((verify::retainedSnapshots(s, {.daily = 2}) == std::set<std::string>{"late", "utc"}));
}

BOOST_AUTO_TEST_CASE(groups_are_host_and_paths) {
    std::vector<verify::Snapshot> s = {snap("a1", "2026-01-01T10:00:00Z"),
                                       snap("a2", "2026-01-02T10:00:00Z"),
                                       {"b1", "2026-01-01T11:00:00Z", {"/other"}, "host"},
                                       {"c1", "2026-01-01T12:00:00Z", {"/srv/data"}, "elsewhere"}};
    BOOST_TEST((verify::retainedSnapshots(s, {.last = 1}) == std::set<std::string>{"a2", "b1", "c1"}));
    BOOST_TEST(verify::retainedSnapshots(s, {}).size() == 4u); // no rule: restic keeps everything
    BOOST_CHECK_THROW(verify::retainedSnapshots({snap("x", "yesterday")}, {.last = 1}), util::InputError);
}

// The model against restic itself: 14 snapshots at chosen times over two years, then
// `restic forget --dry-run --json` with a mixed policy. restic is only the referee here; the
// drill's clock-jump fault uses the model alone.
BOOST_AUTO_TEST_CASE(agrees_with_restic_forget_dry_run) {
    util::TempDir dir("nixdrill-retention-");
    auto repo = (dir.path() / "repo").string();
    auto pw = dir.path() / "pw";
    std::ofstream(pw) << "retention-test\n";
    std::filesystem::create_directories(dir.path() / "data");
    std::ofstream(dir.path() / "data" / "f") << "x";
    util::ProcessOptions po;
    po.environment = {{"RESTIC_REPOSITORY", repo},
                      {"RESTIC_PASSWORD_FILE", pw.string()},
                      {"RESTIC_CACHE_DIR", (dir.path() / "cache").string()}};
    po.workingDirectory = dir.path().string();
    po.deadline = std::chrono::seconds(60);
    BOOST_REQUIRE_EQUAL(util::runProcess({"restic", "init"}, po).exitCode, 0);
    for (const char* t : {"2025-01-01 10:00:00", "2025-01-01 18:00:00", "2025-02-14 09:00:00", "2025-06-30 23:59:00",
                          "2025-12-29 08:00:00", "2025-12-31 08:00:00", "2026-01-01 08:00:00", "2026-01-04 08:00:00",
                          "2026-01-05 08:00:00", "2026-03-01 12:00:00", "2026-03-02 12:00:00", "2026-03-02 13:00:00",
                          "2026-03-03 12:00:00", "2026-07-01 12:00:00"}) {
        auto r = util::runProcess({"restic", "backup", "--quiet", "--time", t, "data"}, po);
        BOOST_REQUIRE_MESSAGE(r.exitCode == 0, r.err);
    }
    auto listed = util::runProcess({"restic", "snapshots", "--json"}, po);
    BOOST_REQUIRE_EQUAL(listed.exitCode, 0);
    auto snapshots = verify::parseSnapshots(listed.out);
    BOOST_REQUIRE_EQUAL(snapshots.size(), 14u);

    for (const std::vector<std::string>& args : {std::vector<std::string>{"--keep-daily", "3", "--keep-weekly", "2",
                                                                          "--keep-monthly", "3", "--keep-yearly", "2"},
                                                 std::vector<std::string>{"--keep-last", "2", "--keep-hourly", "3"},
                                                 std::vector<std::string>{"--keep-weekly", "6"}}) {
        std::vector<std::string> argv = {"restic", "forget", "--dry-run", "--json"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = util::runProcess(argv, po);
        BOOST_REQUIRE_MESSAGE(r.exitCode == 0, r.err);
        std::set<std::string> byRestic;
        for (const auto& group : nlohmann::json::parse(r.out)) {
            for (const auto& s : group.value("keep", nlohmann::json::array())) {
                byRestic.insert(s.at("id").get<std::string>());
            }
        }
        auto byModel = verify::retainedSnapshots(snapshots, verify::parseRetention(args));
        BOOST_TEST(byModel == byRestic);
        BOOST_TEST(byModel.size() < snapshots.size()); // the policy really removes some
    }
}

BOOST_AUTO_TEST_SUITE_END()
