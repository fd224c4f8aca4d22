///@file Tests of the report renderers against golden files, and their well-formedness.
#include "../support/golden.hpp"
#include "report/json_report.hpp"
#include "report/junit.hpp"
#include "report/prometheus.hpp"
#include "report/terminal.hpp"
#include "sample_run.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <pugixml.hpp>

using namespace nixdrill;

BOOST_AUTO_TEST_SUITE(report_renderers)

BOOST_AUTO_TEST_CASE(junit_matches_golden_and_is_well_formed) {
    auto xml = report::renderJunit(test::sampleRun());
    auto diff = test::compareGolden("tests/unit/report/data/junit.xml", xml);
    BOOST_TEST(diff.empty(), diff);

    pugi::xml_document doc;
    auto parsed = doc.load_string(xml.c_str());
    BOOST_REQUIRE_MESSAGE(parsed, parsed.description());
    auto suite = doc.child("testsuites").child("testsuite");
    BOOST_TEST(suite.attribute("tests").as_int() == 4);
    BOOST_TEST(suite.attribute("failures").as_int() == 1);
    BOOST_TEST(suite.attribute("errors").as_int() == 1);
    BOOST_TEST(suite.attribute("skipped").as_int() == 1);
    int cases = 0;
    for (auto tc : suite.children("testcase")) {
        ++cases;
        BOOST_TEST(std::string(tc.attribute("classname").value()) == "collector");
    }
    BOOST_TEST(cases == 4);
    BOOST_TEST(suite.find_child_by_attribute("testcase", "name", "type-error").child("error"));
    BOOST_TEST(suite.find_child_by_attribute("testcase", "name", "later").child("skipped"));
    auto failure = suite.find_child_by_attribute("testcase", "name", "wrong \"order\" <&>").child("failure");
    BOOST_REQUIRE(failure);
    BOOST_TEST(std::string(failure.text().get()).find("/collector/backupOrder/0: expected \"db\", got \"app\"") !=
               std::string::npos);
    BOOST_TEST(std::string(suite.child("properties")
                               .find_child_by_attribute("property", "name", "nix.version")
                               .attribute("value")
                               .value()) == "2.8.0");
}

BOOST_AUTO_TEST_CASE(xml_text_is_sanitised) {
    BOOST_TEST(report::xmlSafeText("a\x01"
                                   "b\xff"
                                   "c\xc3\xa9\t") == "ab\xEF\xBF\xBD"
                                                     "c\xc3\xa9\t");
    BOOST_TEST(report::xmlSafeText("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate
}

BOOST_AUTO_TEST_CASE(prometheus_matches_golden) {
    auto text = report::renderPrometheus(test::sampleRun());
    auto diff = test::compareGolden("tests/unit/report/data/nixdrill.prom", text);
    BOOST_TEST(diff.empty(), diff);
    BOOST_TEST(
        text.find("nixdrill_scenario_status{command=\"eval\",scenario=\"wrong \\\"order\\\" <&>\",kind=\"eval\"} 0") !=
        std::string::npos);
    BOOST_TEST(text.find("nixdrill_run_start_timestamp_seconds{command=\"eval\"} 1795392000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(prometheus_label_escaping) {
    BOOST_TEST(report::escapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    BOOST_TEST(!report::parseTimestamp("yesterday").has_value());
}

BOOST_AUTO_TEST_CASE(terminal_matches_golden) {
    auto diff = test::compareGolden("tests/unit/report/data/terminal.txt", report::renderTerminal(test::sampleRun()));
    BOOST_TEST(diff.empty(), diff);
    BOOST_TEST(report::renderSummary(test::sampleRun()) == "1 passed, 1 failed, 1 broken, 1 skipped in 1.50 s");
}

BOOST_AUTO_TEST_CASE(json_round_trip_renders_the_same_reports) {
    auto run = test::sampleRun();
    auto j = nlohmann::json::parse(report::toJson(run).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    auto back = report::runResultFromJson(j);
    // Invalid UTF-8 in evidence is replaced when stored; everything else survives.
    run.suites[0].cases[2].output = back.suites[0].cases[2].output;
    BOOST_TEST(report::renderJunit(back) == report::renderJunit(run));
    BOOST_TEST(report::renderPrometheus(back) == report::renderPrometheus(run));
    BOOST_TEST(back.counts().failed == 1u);
}

BOOST_AUTO_TEST_CASE(bad_stored_results_name_the_pointer) {
    auto dump = [] {
        return report::toJson(test::sampleRun()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    auto j = nlohmann::json::parse(dump());
    j["suites"][0]["cases"][1]["outcome"] = "exploded";
    try {
        report::runResultFromJson(j);
        BOOST_FAIL("no exception");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("/suites/0/cases/1/outcome") == 0, e.what());
    }
    j = nlohmann::json::parse(dump());
    j["format"] = "nixdrill-run/0";
    BOOST_CHECK_THROW(report::runResultFromJson(j), util::InputError);
}

// Flaky vs clean: a pass after a retry is never shown as a clean pass.
BOOST_AUTO_TEST_CASE(junit_reports_retries_as_surefire_flaky_and_rerun_elements) {
    auto xml = report::renderJunit(test::retriedRun());
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(xml.c_str()));
    auto suite = doc.child("testsuites").child("testsuite");
    BOOST_TEST(suite.attribute("tests").as_int() == 2);
    BOOST_TEST(suite.attribute("failures").as_int() == 1);
    auto verify = suite.find_child_by_attribute("testcase", "name", "2-verify-repository");
    BOOST_TEST(!verify.child("failure"));
    auto flaky = verify.child("flakyFailure");
    BOOST_REQUIRE(flaky);
    BOOST_TEST(std::string(flaky.attribute("message").value()) == "restic check failed: repository is already locked");
    BOOST_TEST(std::string(flaky.child("stackTrace").text().get()).find("already locked") != std::string::npos);
    BOOST_TEST(std::string(flaky.child("system-out").text().get()) == "exit 1\n");
    auto restore = suite.find_child_by_attribute("testcase", "name", "3-restore");
    BOOST_TEST(restore.child("failure"));
    BOOST_TEST(restore.child("rerunError"));
    BOOST_TEST(restore.child("rerunFailure"));
    BOOST_TEST(!restore.child("flakyFailure"));
    // The sample run without retries has none of these elements.
    auto clean = report::renderJunit(test::sampleRun());
    BOOST_TEST(clean.find("flaky") == std::string::npos);
    BOOST_TEST(clean.find("rerun") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_records_attempts_and_round_trips) {
    auto run = test::retriedRun();
    auto j = report::toJson(run);
    BOOST_TEST(j["counts"]["flaky"] == 1);
    BOOST_TEST(j["counts"]["passed"] == 1);
    const auto& verify = j["suites"][0]["cases"][0];
    BOOST_TEST(verify["attempts"] == 2);
    BOOST_TEST(verify["flaky"] == true);
    BOOST_TEST(verify["failedAttempts"][0]["outcome"] == "failed");
    BOOST_TEST(j["suites"][0]["cases"][1]["attempts"] == 3);
    BOOST_TEST(j["suites"][0]["cases"][1]["flaky"] == false);
    auto back = report::runResultFromJson(nlohmann::json::parse(j.dump()));
    BOOST_TEST(back.suites[0].cases[0].failedAttempts == run.suites[0].cases[0].failedAttempts);
    BOOST_TEST(back.suites[0].cases[1].failedAttempts == run.suites[0].cases[1].failedAttempts);
    BOOST_TEST(report::renderJunit(back) == report::renderJunit(run));
    // A clean case stores no attempt fields at all.
    auto clean = report::toJson(test::sampleRun());
    BOOST_TEST(!clean["suites"][0]["cases"][0].contains("attempts"));
    BOOST_TEST(clean["counts"]["flaky"] == 0);

    auto bad = nlohmann::json::parse(j.dump());
    bad["suites"][0]["cases"][0]["attempts"] = 5;
    try {
        report::runResultFromJson(bad);
        BOOST_FAIL("no exception");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("/suites/0/cases/0/attempts") == 0, e.what());
    }
    bad = nlohmann::json::parse(j.dump());
    bad["suites"][0]["cases"][0]["failedAttempts"][0]["outcome"] = "passed";
    BOOST_CHECK_THROW(report::runResultFromJson(bad), util::InputError);
}

BOOST_AUTO_TEST_CASE(prometheus_counts_flaky_cases) {
    auto prom = report::renderPrometheus(test::retriedRun());
    BOOST_TEST(prom.find("nixdrill_run_flaky_cases{command=\"run\"} 1\n") != std::string::npos, prom);
    BOOST_TEST(prom.find("nixdrill_scenario_flaky_cases{command=\"run\",scenario=\"single\",kind=\"drill:verify-"
                         "repository\"} 1\n") != std::string::npos);
    BOOST_TEST(prom.find("nixdrill_scenario_flaky_cases{command=\"run\",scenario=\"single\",kind=\"drill:restore\"} "
                         "0\n") != std::string::npos);
    BOOST_TEST(report::renderPrometheus(test::sampleRun()).find("nixdrill_run_flaky_cases{command=\"eval\"} 0\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(prometheus_run_info_has_snake_case_settings_and_profiles_are_a_gauge) {
    auto run = test::retriedRun();
    run.properties = {{"drills.memoryBudgetMib", "18932"},
                      {"drills.wall", "36.5"},
                      {"guest.start", "cold"},
                      {"profile.single.boot.agent", "5.5"},
                      {"profile.single.step.backup", "9.25"},
                      {"profile.single.start", "cold"},
                      {"profile.single.count.agent.calls", "412"},
                      {"profile.unknown-scenario.boot", "1"}};
    auto prom = report::renderPrometheus(run);
    // promtool's lint rejects camelCase label names; timings as labels would be a new series per run.
    BOOST_TEST(prom.find("drills_memory_budget_mib=\"18932\"") != std::string::npos, prom);
    BOOST_TEST(prom.find("guest_start=\"cold\"") != std::string::npos, prom);
    BOOST_TEST(prom.find("memoryBudget") == std::string::npos, prom);
    BOOST_TEST(prom.find("drills_wall") == std::string::npos, prom);
    BOOST_TEST(prom.find("profile_") == std::string::npos, prom);
    BOOST_TEST(prom.find("nixdrill_drill_phase_seconds{command=\"run\",scenario=\"single\",phase=\"boot.agent\"} "
                         "5.5\n") != std::string::npos,
               prom);
    BOOST_TEST(prom.find("nixdrill_drill_phase_seconds{command=\"run\",scenario=\"single\",phase=\"step.backup\"} "
                         "9.25\n") != std::string::npos,
               prom);
    BOOST_TEST(prom.find("nixdrill_drill_operations{command=\"run\",scenario=\"single\",what=\"agent.calls\"} 412\n") !=
                   std::string::npos,
               prom);
    BOOST_TEST(prom.find("phase=\"count.") == std::string::npos, prom);
    BOOST_TEST(prom.find("phase=\"start\"") == std::string::npos, prom);  // not a number
    BOOST_TEST(prom.find("unknown-scenario") == std::string::npos, prom); // no such scenario in the run
}

// What a step measured reaches every report, and a stored result keeps it.
BOOST_AUTO_TEST_CASE(case_properties_reach_junit_json_and_prometheus) {
    auto run = test::measuredRun();
    pugi::xml_document doc;
    auto xml = report::renderJunit(run);
    BOOST_REQUIRE(doc.load_string(xml.c_str()));
    auto tc = doc.child("testsuites").child("testsuite").child("testcase");
    auto rto = tc.child("properties").find_child_by_attribute("property", "name", "rto.service-notes");
    BOOST_REQUIRE(rto);
    BOOST_TEST(std::string(rto.attribute("value").value()) == "7.500");

    auto j = report::toJson(run);
    BOOST_TEST(j["suites"][0]["cases"][0]["properties"]["ready.service-notes"] == "1.250");
    auto back = report::runResultFromJson(nlohmann::json::parse(j.dump()));
    BOOST_TEST((back.suites[0].cases[0].properties == run.suites[0].cases[0].properties));
    // Cases that measured nothing store no properties object (the reports read as before).
    BOOST_TEST(!report::toJson(test::sampleRun())["suites"][0]["cases"][0].contains("properties"));
    pugi::xml_document clean;
    BOOST_REQUIRE(clean.load_string(report::renderJunit(test::sampleRun()).c_str()));
    BOOST_TEST(!clean.child("testsuites").child("testsuite").child("testcase").child("properties"));

    auto bad = nlohmann::json::parse(j.dump());
    bad["suites"][0]["cases"][0]["properties"]["rto.service-notes"] = 7.5;
    try {
        report::runResultFromJson(bad);
        BOOST_FAIL("no exception");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("/suites/0/cases/0/properties/rto.service-notes: expected a string") == 0,
                   e.what());
    }

    auto prom = report::renderPrometheus(run);
    BOOST_TEST(prom.find("# TYPE nixdrill_drill_rto_seconds gauge\n") != std::string::npos, prom);
    BOOST_TEST(prom.find("nixdrill_drill_rto_seconds{command=\"run\",scenario=\"single\",step=\"4-check-service\","
                         "job=\"service-notes\"} 7.5\n") != std::string::npos,
               prom);
    BOOST_TEST(prom.find("torn") == std::string::npos, prom);   // not a number: no sample
    BOOST_TEST(prom.find("ready.") == std::string::npos, prom); // only recovery times are series
    BOOST_TEST(report::renderPrometheus(test::sampleRun()).find("rto") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(terminal_says_flaky) {
    auto run = test::retriedRun();
    auto line = report::renderCaseLine(run.suites[0].cases[0]);
    BOOST_TEST(line.rfind("FLAKY   single/2-verify-repository  (3.000 s, attempt 2)\n", 0) == 0, line);
    BOOST_TEST(line.find("attempt 1 failed: restic check failed: repository is already locked") != std::string::npos);
    BOOST_TEST(report::renderCaseLine(run.suites[0].cases[1]).rfind("FAIL  ", 0) == 0);
    BOOST_TEST(report::renderSummary(run).rfind("1 passed (1 flaky), 1 failed, 0 broken, 0 skipped", 0) == 0);
    BOOST_TEST(report::renderSummary(test::sampleRun()).find("flaky") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
