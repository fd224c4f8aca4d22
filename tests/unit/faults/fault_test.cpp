///@file Tests of fault injection: the commands each fault runs, and its choices from the seed.
#include "../support/scripted_guest.hpp"
#include "faults/fault.hpp"
#include "guest/errors.hpp"

#include <boost/test/unit_test.hpp>
#include <deque>

using namespace nixdrill;

namespace {

using test::ScriptedGuest;

guest::ExecResult ok(std::string out = "") {
    guest::ExecResult r;
    r.exitCode = 0;
    r.out = std::move(out);
    return r;
}

const faults::Target target{"/var/lib/repo", "/run/keys/pw", "/srv/data", "", "app", ""};
const faults::Target zfsTarget{"/var/lib/repo", "/run/keys/pw", "/tank/app/data", "", "app", "tank/app"};
const std::chrono::milliseconds timeout{1000};

} // namespace

BOOST_AUTO_TEST_SUITE(faults_fault)

BOOST_AUTO_TEST_CASE(delete_index_chooses_by_seed) {
    for (std::uint64_t seed : {0u, 1u, 5u}) {
        ScriptedGuest g;
        g.script = {ok("/var/lib/repo/index/aa\n/var/lib/repo/index/bb\n"), ok()};
        auto injected = faults::inject(g, model::Fault{"delete-index", {}, 0}, target, seed, "", timeout);
        auto victim = seed % 2 == 0 ? "/var/lib/repo/index/aa" : "/var/lib/repo/index/bb";
        BOOST_REQUIRE(g.commands.size() == 2u);
        BOOST_TEST(g.commands[1] == std::string("rm -f -- '") + victim + "'");
        BOOST_TEST(injected.description.find(victim) != std::string::npos);
        BOOST_TEST(injected.revertCommand.empty()); // corruption stays
    }
}

BOOST_AUTO_TEST_CASE(delete_index_without_index_is_an_error) {
    ScriptedGuest g;
    g.script = {ok("")};
    BOOST_CHECK_THROW(faults::inject(g, model::Fault{"delete-index", {}, 0}, target, 1, "", timeout),
                      guest::CommandFailed);
}

BOOST_AUTO_TEST_CASE(repository_missing_mounts_and_reverts) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::Fault{"repository-missing", {}, 0}, target, 1, "", timeout);
    BOOST_REQUIRE(g.commands.size() == 1u);
    BOOST_TEST(g.commands[0].find("mount -t tmpfs -o ro") != std::string::npos);
    BOOST_TEST(injected.revertCommand == "umount '/var/lib/repo'");
    faults::revert(g, injected, timeout);
    BOOST_TEST(g.commands.back() == "umount '/var/lib/repo'");
}

BOOST_AUTO_TEST_CASE(bit_flip_offset_is_in_the_first_half_and_repeatable) {
    auto offsetOf = [](std::uint64_t seed) {
        ScriptedGuest g;
        g.script = {ok("/var/lib/repo/data/ab/abcd\n"), ok("1000\n"), ok()};
        auto injected = faults::inject(g, model::Fault{"bit-flip", {}, 0}, target, seed, "", timeout);
        BOOST_REQUIRE(g.commands.size() == 3u);
        BOOST_TEST(g.commands[2].find("'/var/lib/repo/data/ab/abcd'") != std::string::npos);
        auto at = injected.description.find("byte ") + 5;
        return std::stoul(injected.description.substr(at));
    };
    BOOST_TEST(offsetOf(3) == offsetOf(3));
    BOOST_TEST(offsetOf(3) != offsetOf(4));
    BOOST_TEST(offsetOf(3) < 500u);
}

BOOST_AUTO_TEST_CASE(a_failing_guest_command_is_reported) {
    ScriptedGuest g;
    guest::ExecResult bad;
    bad.exitCode = 32;
    bad.err = "mount: permission denied";
    g.script = {bad};
    BOOST_CHECK_THROW(faults::inject(g, model::Fault{"repository-missing", {}, 0}, target, 1, "", timeout),
                      guest::CommandFailed);
}

BOOST_AUTO_TEST_CASE(pre_backup_hook_marker_is_created_and_removed) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::Fault{"pre-backup-hook-fails", {}, 0}, target, 1, "", timeout);
    BOOST_TEST(g.commands[0].find(std::string("touch ") + faults::preBackupMarker) != std::string::npos);
    BOOST_TEST(injected.revertCommand == std::string("rm -f ") + faults::preBackupMarker);
}

BOOST_AUTO_TEST_CASE(unit_refuses_to_stop_marker_is_created_and_removed) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::Fault{"unit-refuses-to-stop", {}, 0}, target, 1, "", timeout);
    BOOST_TEST(g.commands[0].find(std::string("touch ") + faults::unitStopMarker) != std::string::npos);
    BOOST_TEST(injected.revertCommand == std::string("rm -f ") + faults::unitStopMarker);
}

BOOST_AUTO_TEST_CASE(clock_jump_moves_the_clock_by_its_days_and_stays) {
    ScriptedGuest g;
    g.script = {ok("2027-03-01T10:00:00Z\n")};
    auto injected = faults::inject(g, model::Fault{"clock-jump", {}, 120}, target, 1, "", timeout);
    BOOST_TEST(g.commands[0].find("+ 120 * 86400") != std::string::npos);
    BOOST_TEST(injected.revertCommand.empty()); // clocks are not set back
    BOOST_TEST(injected.description.find("2027-03-01T10:00:00Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(disk_full_needs_the_repository_on_its_own_file_system) {
    ScriptedGuest g;
    guest::ExecResult notMounted;
    notMounted.exitCode = 1;
    notMounted.err = "repository /var/lib/repo is not on its own file system (drill.repositoryDiskMiB)";
    g.script = {notMounted};
    BOOST_CHECK_THROW(faults::inject(g, model::Fault{"repository-disk-full", {}, 0}, target, 1, "", timeout),
                      guest::CommandFailed);
    ScriptedGuest g2;
    g2.script = {ok("65536\n")};
    auto injected = faults::inject(g2, model::Fault{"repository-disk-full", {}, 0}, target, 1, "", timeout);
    BOOST_TEST(g2.commands[0].find("mountpoint -q '/var/lib/repo'") != std::string::npos);
    BOOST_TEST(injected.revertCommand == "rm -f '/var/lib/repo/.nixdrill-fault-filler'");
}

BOOST_AUTO_TEST_CASE(zfs_faults_need_a_snapshot_job) {
    for (const char* kind : {"zfs-stale-snapshot", "zfs-pool-full"}) {
        ScriptedGuest g;
        BOOST_CHECK_THROW(faults::inject(g, model::Fault{kind, {}, 0}, target, 1, "", timeout), guest::CommandFailed);
        BOOST_TEST(g.commands.empty());
    }
}

BOOST_AUTO_TEST_CASE(zfs_stale_snapshot_is_named_like_the_jobs_own_and_stays) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::Fault{"zfs-stale-snapshot", {}, 0}, zfsTarget, 1, "", timeout);
    BOOST_TEST(g.commands[0] == "zfs snapshot 'tank/app@nixdrill-app-20000101T000000Z'");
    BOOST_TEST(injected.revertCommand.empty()); // the job's prepare must destroy it
}

BOOST_AUTO_TEST_CASE(zfs_pool_full_fills_a_dataset_of_its_own_and_destroys_it) {
    ScriptedGuest g;
    g.script = {ok("0\n")};
    auto injected = faults::inject(g, model::Fault{"zfs-pool-full", {}, 0}, zfsTarget, 1, "", timeout);
    BOOST_TEST(g.commands[0].find("zfs create -o compression=off") != std::string::npos);
    BOOST_TEST(g.commands[0].find("'tank/nixdrill-fault-fill'") != std::string::npos);
    BOOST_TEST(injected.description == "pool tank filled up (0 bytes available)");
    BOOST_TEST(injected.revertCommand == "zfs destroy -r 'tank/nixdrill-fault-fill'");
}

BOOST_AUTO_TEST_CASE(io_errors_victim_must_be_under_the_data_path) {
    ScriptedGuest g;
    faults::Target t = target;
    t.dataPath = "/srv/data";
    t.victimFile = "/etc/passwd";
    BOOST_CHECK_THROW(faults::inject(g, model::Fault{"io-errors", {}, 0}, t, 1, "", timeout), guest::CommandFailed);
    BOOST_TEST(g.commands.empty());
    t.victimFile = "/srv/data/a/b.bin";
    g.script = {ok("1\n")};
    auto injected = faults::inject(g, model::Fault{"io-errors", {}, 0}, t, 1, "", timeout);
    BOOST_TEST(g.commands[0].find("blocks \"/a/b.bin\"") != std::string::npos);
    BOOST_TEST(injected.revertCommand.find("dmsetup remove nixdrill-io") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
