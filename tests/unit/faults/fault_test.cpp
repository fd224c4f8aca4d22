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

const faults::Target target{"/var/lib/repo", "/run/keys/pw"};
const std::chrono::milliseconds timeout{1000};

} // namespace

BOOST_AUTO_TEST_SUITE(faults_fault)

BOOST_AUTO_TEST_CASE(delete_index_chooses_by_seed) {
    for (std::uint64_t seed : {0u, 1u, 5u}) {
        ScriptedGuest g;
        g.script = {ok("/var/lib/repo/index/aa\n/var/lib/repo/index/bb\n"), ok()};
        auto injected = faults::inject(g, model::FaultKind::DeleteIndex, target, seed, "", timeout);
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
    BOOST_CHECK_THROW(faults::inject(g, model::FaultKind::DeleteIndex, target, 1, "", timeout), guest::CommandFailed);
}

BOOST_AUTO_TEST_CASE(repository_missing_mounts_and_reverts) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::FaultKind::RepositoryMissing, target, 1, "", timeout);
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
        auto injected = faults::inject(g, model::FaultKind::BitFlip, target, seed, "", timeout);
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
    BOOST_CHECK_THROW(faults::inject(g, model::FaultKind::RepositoryMissing, target, 1, "", timeout),
                      guest::CommandFailed);
}

BOOST_AUTO_TEST_CASE(pre_backup_hook_marker_is_created_and_removed) {
    ScriptedGuest g;
    g.script = {ok()};
    auto injected = faults::inject(g, model::FaultKind::PreBackupHookFails, target, 1, "", timeout);
    BOOST_TEST(g.commands[0].find(std::string("touch ") + faults::preBackupMarker) != std::string::npos);
    BOOST_TEST(injected.revertCommand == std::string("rm -f ") + faults::preBackupMarker);
}

BOOST_AUTO_TEST_SUITE_END()
