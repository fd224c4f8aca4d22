///@file Unit-file arguments of the drop-ins the drill writes into the guest.
#include "engine/drill/jobs.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::engine::drill;

BOOST_AUTO_TEST_CASE(plain_paths_are_quoted_whole) {
    BOOST_TEST(systemdArgument("/var/lib/app") == "\"/var/lib/app\"");
    BOOST_TEST(systemdArgument("/srv/my notes") == "\"/srv/my notes\""); // one argument, not two
    BOOST_TEST(systemdArgument("") == "\"\"");
}

// systemd expands specifiers (%h) and environment variables ($HOME, ${HOME}) in Exec*= lines
// and C escapes inside quotes: each must reach the command as written.
BOOST_AUTO_TEST_CASE(specifiers_variables_and_escapes_are_kept_literal) {
    BOOST_TEST(systemdArgument("/srv/100%h") == "\"/srv/100%%h\"");
    BOOST_TEST(systemdArgument("/srv/$HOME/${X}") == "\"/srv/$$HOME/$${X}\"");
    BOOST_TEST(systemdArgument("/srv/a\"b\\c") == "\"/srv/a\\\"b\\\\c\"");
    BOOST_TEST(systemdArgument("/srv/été 写真") == "\"/srv/été 写真\"");
}

BOOST_AUTO_TEST_CASE(a_newline_cannot_be_written_into_a_unit_file) {
    BOOST_CHECK_EXCEPTION(
        systemdArgument("/srv/a\nb"), nixdrill::util::InputError,
        [](const nixdrill::util::InputError& e) { return std::string(e.what()).find("newline") != std::string::npos; });
}

// A mutant widens what the backup leaves out, never what the service holds: the drill's data
// keeps the contract's own excludes, less the mutant's.
BOOST_AUTO_TEST_CASE(the_drills_data_follows_the_unmutated_contract) {
    nixdrill::engine::DrillJob job;
    job.name = "service-notes";
    job.exclude = {"*.tmp", "/var/lib/notes/*", "cache"};
    nixdrill::model::Drill drill;
    BOOST_TEST(dataExcludes(drill, job) == job.exclude);
    drill.mutantExcludes["other"] = {"*.tmp"};
    BOOST_TEST(dataExcludes(drill, job) == job.exclude);
    drill.mutantExcludes["notes"] = {"/var/lib/notes/*"};
    BOOST_TEST(dataExcludes(drill, job) == (std::vector<std::string>{"*.tmp", "cache"}));
}
