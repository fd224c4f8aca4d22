///@file Readers of guest command output shared by the step families.
#include "engine/drill/text.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::engine::drill;

BOOST_AUTO_TEST_CASE(systemctl_show_lines_become_a_map) {
    auto m = parseShow("Result=success\nExecMainStatus=0\nbroken line\nEmpty=\n");
    BOOST_TEST(m.size() == 3u);
    BOOST_TEST(m["Result"] == "success");
    BOOST_TEST(m["ExecMainStatus"] == "0");
    BOOST_TEST(m["Empty"] == "");
}

BOOST_AUTO_TEST_CASE(metric_values_and_the_category_label) {
    std::string text = "# HELP x\nrestic_backup_status{job=\"a\"} 0\n"
                       "restic_backup_last_run_info{job=\"a\",category=\"prepare_failed\"} 1\n";
    BOOST_TEST(metricValue(text, "restic_backup_status") == "0");
    BOOST_TEST(metricValue(text, "category") == "prepare_failed");
    BOOST_TEST(metricValue(text, "restic_backup_last_success_timestamp") == "");
    BOOST_TEST(metricValue("restic_backup_last_run_info{job=\"a\"} 1\n", "category") == "");
}

BOOST_AUTO_TEST_CASE(joined_lines_with_and_without_a_heading) {
    BOOST_TEST(joinLines({}) == "");
    BOOST_TEST(joinLines({"a", "b"}) == "a\nb");
    BOOST_TEST(joinLines({"a", "b"}, "fault x:") == "fault x:\na\nb");
}

BOOST_AUTO_TEST_CASE(small_readers) {
    BOOST_TEST(microsToSeconds("2500000") == 2.5);
    BOOST_TEST(microsToSeconds("x") == -1);
    BOOST_TEST(fmt(1.005) == "1.00");
    BOOST_TEST(trimmed("active \n\n") == "active");
    BOOST_TEST(dirOf("/run/keys/pw") == "/run/keys");
    BOOST_TEST(dirOf("/pw") == "/");
    auto f = psqlFields("1|2||x\n");
    BOOST_TEST(f.size() == 4u);
    BOOST_TEST(f[3] == "x");
}
