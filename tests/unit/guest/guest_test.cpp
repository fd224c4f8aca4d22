///@file The Guest actions written once on top of exec, against a scripted guest; and retryUntil.
#include "../support/scripted_guest.hpp"
#include "guest/errors.hpp"
#include "guest/guest.hpp"
#include "guest/retry.hpp"

#include <boost/test/unit_test.hpp>
#include <deque>

using namespace nixdrill;
using namespace std::chrono_literals;

namespace {

using test::ScriptedGuest;

guest::ExecResult exited(int code, std::string out = "", std::string err = "") {
    guest::ExecResult r;
    r.exitCode = code;
    r.out = std::move(out);
    r.err = std::move(err);
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(guest_actions)

BOOST_AUTO_TEST_CASE(succeed_and_fail_state_the_expectation) {
    ScriptedGuest g;
    g.script = {exited(0, "fine\n")};
    BOOST_TEST(g.succeed("true").out == "fine\n");
    BOOST_CHECK_THROW(g.fail("true"), guest::CommandFailed);
    g.script = {exited(2, "partial output\n", "boom\n")};
    BOOST_TEST(g.fail("false").exitCode == 2);
    try {
        g.succeed("make-it-so");
        BOOST_ERROR("no exception");
    } catch (const guest::CommandFailed& e) {
        std::string m = e.what();
        BOOST_TEST(m.find("expected success on scripted") != std::string::npos, m);
        BOOST_TEST(m.find("`make-it-so` exited with 2") != std::string::npos, m);
        BOOST_TEST(m.find("partial output") != std::string::npos, m);
        BOOST_TEST(m.find("boom") != std::string::npos, m);
    }
    guest::ExecResult signalled;
    signalled.signal = 9;
    g.script = {signalled};
    BOOST_CHECK_THROW(g.succeed("x"), guest::CommandFailed);
    BOOST_TEST(g.fail("x").signal.value() == 9);
}

BOOST_AUTO_TEST_CASE(wait_until_succeeds_retries) {
    ScriptedGuest g;
    g.script = {exited(1), exited(1), exited(0, "ready\n")};
    auto result = g.waitUntilSucceeds("probe", 10s, 1ms);
    BOOST_TEST(result.out == "ready\n");
    BOOST_TEST(g.commands.size() == 3u);
}

BOOST_AUTO_TEST_CASE(wait_until_fails_retries) {
    ScriptedGuest g;
    g.script = {exited(0), exited(3)};
    BOOST_TEST(g.waitUntilFails("still-there", 10s, 1ms).exitCode == 3);
}

BOOST_AUTO_TEST_CASE(wait_timeout_says_what_how_long_and_last_output) {
    ScriptedGuest g;
    g.script = {exited(1, "not yet: 3 of 5\n")};
    auto t0 = std::chrono::steady_clock::now();
    try {
        g.waitUntilSucceeds("count-ready", 300ms, 50ms);
        BOOST_ERROR("no exception");
    } catch (const guest::WaitTimedOut& e) {
        std::string m = e.what();
        BOOST_TEST(m.find("gave up waiting for `count-ready` to succeed on scripted after 0.3 s") != std::string::npos,
                   m);
        BOOST_TEST(m.find("attempts); last attempt: `count-ready` exited with 1") != std::string::npos, m);
        BOOST_TEST(m.find("not yet: 3 of 5") != std::string::npos, m);
    }
    auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST(waited >= 0.3);
    BOOST_TEST(waited < 1.0);
}

BOOST_AUTO_TEST_CASE(wait_for_unit_fails_fast_on_a_failed_unit) {
    ScriptedGuest g;
    g.script = {exited(0, "activating\n"), exited(0, "failed\n"), exited(3, "x.service - failed unit\n")};
    auto t0 = std::chrono::steady_clock::now();
    BOOST_CHECK_EXCEPTION(g.waitForUnit("x.service", 60s), guest::CommandFailed, [](const guest::CommandFailed& e) {
        return std::string(e.what()).find("unit x.service failed") != std::string::npos;
    });
    BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
    BOOST_TEST(g.commands.front() == "systemctl show --property=ActiveState --value 'x.service'");
}

BOOST_AUTO_TEST_CASE(wait_for_unit_returns_once_active) {
    ScriptedGuest g;
    g.script = {exited(0, "inactive\n"), exited(0, "activating\n"), exited(0, "active\n")};
    g.waitForUnit("y.service", 10s);
    BOOST_TEST(g.commands.size() == 3u);
}

BOOST_AUTO_TEST_CASE(retry_until_counts_attempts_and_passes_the_deadline) {
    int calls = 0;
    guest::retryUntil("three calls", {5s, 1ms}, [&](guest::Clock::time_point deadline, std::string&) {
        BOOST_TEST((deadline > guest::Clock::now()));
        return ++calls == 3;
    });
    BOOST_TEST(calls == 3);
    BOOST_CHECK_EXCEPTION(guest::retryUntil("nothing", {100ms, 30ms},
                                            [](guest::Clock::time_point, std::string& outcome) {
                                                outcome = "still nothing";
                                                return false;
                                            }),
                          guest::WaitTimedOut, [](const guest::WaitTimedOut& e) {
                              std::string m = e.what();
                              return m.find("gave up waiting for nothing after 0.1 s") != std::string::npos &&
                                     m.find("last attempt: still nothing") != std::string::npos;
                          });
}

BOOST_AUTO_TEST_CASE(shell_quoting) {
    BOOST_TEST(guest::shellQuote("a b") == "'a b'");
    BOOST_TEST(guest::shellQuote("it's") == "'it'\\''s'");
    BOOST_TEST(guest::shellQuote("") == "''");
}

BOOST_AUTO_TEST_SUITE_END()
