///@file The unprotected-state audit's pure part: coverage by whole path components, grouping,
/// the description, and allow-list entries.
#include "verify/state_audit.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::verify;

BOOST_AUTO_TEST_SUITE(state_audit)

BOOST_AUTO_TEST_CASE(a_path_is_under_a_root_by_whole_components) {
    BOOST_TEST(isUnder("/srv/a/b", "/srv/a"));
    BOOST_TEST(isUnder("/srv/a", "/srv/a"));
    BOOST_TEST(!isUnder("/srv/ab", "/srv/a"));
    BOOST_TEST(!isUnder("/srv", "/srv/a"));
    BOOST_TEST(isUnder("/anything", "/"));
}

BOOST_AUTO_TEST_CASE(what_nothing_covers_is_grouped_by_directory) {
    std::vector<std::string> written = {"/var/lib/ledger/ledger.db",    "/var/lib/ledger/ledger.db-wal",
                                        "/var/backup/ledger/ledger.db", "/tmp/x",
                                        "/var/lib/ledgerx/y",           "/etc/ledger.conf",
                                        "/var/lib/ledger/ledger.db"};
    auto groups = unprotectedState(written, {"/var/backup/ledger"}, {"/tmp"});
    BOOST_REQUIRE_EQUAL(groups.size(), 3U);
    BOOST_TEST(groups[0].directory == "/etc");
    BOOST_TEST(groups[1].directory == "/var/lib/ledger");
    BOOST_TEST(groups[1].files == (std::vector<std::string>{"ledger.db", "ledger.db-wal"}),
               boost::test_tools::per_element());
    BOOST_TEST(groups[2].directory == "/var/lib/ledgerx");
    // Declaring the directory covers it; nothing is left.
    BOOST_TEST(
        unprotectedState(written, {"/var/backup/ledger", "/var/lib/ledger", "/var/lib/ledgerx", "/etc"}, {"/tmp"})
            .empty());
    BOOST_TEST(unprotectedState({"/top"}, {}, {}).front().directory == "/");
}

BOOST_AUTO_TEST_CASE(the_description_names_each_directory_with_a_few_files) {
    std::vector<UnprotectedGroup> groups = {{"/a", {"1", "2", "3", "4"}}, {"/b", {"x"}}, {"/c", {"y"}}};
    BOOST_TEST(describeUnprotected(groups) == "/a: 4 file(s) (1, 2, 3, ...)\n/b: 1 file(s) (x)\n/c: 1 file(s) (y)\n");
    BOOST_TEST(describeUnprotected(groups, 1) == "/a: 4 file(s) (1, 2, 3, ...)\n... and 2 more directories\n");
}

BOOST_AUTO_TEST_CASE(allow_list_entries_are_absolute_normalised_paths) {
    BOOST_TEST(allowEntryProblem("/var/lib/mysql").empty());
    BOOST_TEST(allowEntryProblem("/").empty());
    BOOST_TEST(allowEntryProblem("var/lib") == "'var/lib' is relative: allow-list entries are absolute paths");
    BOOST_TEST(allowEntryProblem("") == "'' is relative: allow-list entries are absolute paths");
    BOOST_TEST(allowEntryProblem("/var/") == "'/var/' ends in '/': write the directory without it");
    BOOST_TEST(allowEntryProblem("/var/../etc").find("not normalised") != std::string::npos);
    BOOST_TEST(allowEntryProblem("/var//lib").find("not normalised") != std::string::npos);
    BOOST_TEST(allowEntryProblem("/var/./lib").find("not normalised") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
