///@file Tests of subprocess running with deadlines.
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>

using namespace nixdrill::util;

BOOST_AUTO_TEST_SUITE(util_process)

BOOST_AUTO_TEST_CASE(captures_output_exit_code_and_input) {
    ProcessOptions o;
    o.input = "hello";
    auto r = runProcess({"sh", "-c", "cat; echo err >&2; exit 3"}, o);
    BOOST_TEST(r.exitCode == 3);
    BOOST_TEST(r.out == "hello");
    BOOST_TEST(r.err == "err\n");
}

BOOST_AUTO_TEST_CASE(sets_environment) {
    ProcessOptions o;
    o.environment["NIXDRILL_T"] = "v1";
    auto r = runProcess({"sh", "-c", "printf %s \"$NIXDRILL_T\""}, o);
    BOOST_TEST(r.out == "v1");
}

BOOST_AUTO_TEST_CASE(kills_a_child_past_its_deadline) {
    ProcessOptions o;
    o.deadline = std::chrono::milliseconds(300);
    auto start = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(runProcess({"sleep", "20"}, o), TimeoutError);
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(10)));
}

BOOST_AUTO_TEST_CASE(missing_program_is_a_system_error) {
    BOOST_CHECK_THROW(runProcess({"nixdrill-no-such-program-x"}), SystemError);
}

BOOST_AUTO_TEST_CASE(large_output_does_not_deadlock) {
    auto r = runProcess({"sh", "-c", "head -c 5000000 /dev/zero"});
    BOOST_TEST(r.out.size() == 5000000u);
}

// A child that exits without reading its input: the write fails with EPIPE instead of SIGPIPE
// killing this process (keepBrokenPipesFromKilling, which main calls first of all).
BOOST_AUTO_TEST_CASE(a_child_that_does_not_read_its_input_does_not_kill_us) {
    keepBrokenPipesFromKilling();
    ProcessOptions o;
    o.input = std::string(8 << 20, 'x'); // far more than a pipe buffer
    auto r = runProcess({"sh", "-c", "exit 4"}, o);
    BOOST_TEST(r.exitCode == 4);
}

// The policy is this process's own: a child starts with SIGPIPE's default action (a handler,
// unlike SIG_IGN, does not survive exec), so `producer | head -1` in it ends as usual.
BOOST_AUTO_TEST_CASE(children_keep_the_default_sigpipe_action) {
    keepBrokenPipesFromKilling();
    auto r = runProcess({"sh", "-c", "grep '^SigIgn:' /proc/self/status"});
    BOOST_REQUIRE(r.out.rfind("SigIgn:", 0) == 0);
    auto mask = std::stoull(r.out.substr(7), nullptr, 16);
    BOOST_TEST((mask & (1ULL << (SIGPIPE - 1))) == 0u, r.out);
    auto piped = runProcess({"bash", "-c", "yes | head -1; echo \"${PIPESTATUS[0]}\""});
    BOOST_TEST(piped.out == "y\n141\n"); // yes died of SIGPIPE (128 + 13)
}

BOOST_AUTO_TEST_CASE(quotes_for_messages) {
    BOOST_TEST(quoteCommand({"a", "b c", "it's"}) == "a 'b c' 'it'\\''s'");
    BOOST_TEST(quoteCommand({""}) == "''");
}

BOOST_AUTO_TEST_CASE(shell_quoted_words_reach_the_shell_unchanged) {
    BOOST_TEST(shellQuote("") == "''");
    BOOST_TEST(shellQuote("it's") == "'it'\\''s'");
    for (std::string word : {"plain", "a b", "it's", "''", "$HOME `id` \\ \"x\" *", "line\nbreak", "été 写真"}) {
        auto r = runProcess({"sh", "-c", "printf %s " + shellQuote(word)});
        BOOST_TEST(r.out == word);
    }
}

BOOST_AUTO_TEST_SUITE_END()
