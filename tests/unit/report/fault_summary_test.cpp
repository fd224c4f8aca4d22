///@file Tests of the reports' fault views: terminal grouping and Prometheus counts by fault kind.
#include "report/prometheus.hpp"
#include "report/terminal.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

model::CaseResult faultCase(const std::string& scenario, const std::string& kind, model::Outcome outcome) {
    model::CaseResult c;
    c.name = "2-fault-" + kind;
    c.scenario = scenario;
    c.classname = scenario;
    c.kind = "drill:fault:" + kind;
    c.outcome = outcome;
    return c;
}

model::RunResult faultRun() {
    model::RunResult run;
    run.command = "run";
    run.startedAt = "2026-11-23T00:00:00Z";
    model::SuiteResult s;
    s.name = "faults";
    s.cases = {faultCase("a", "bit-flip", model::Outcome::Passed), faultCase("b", "bit-flip", model::Outcome::Failed),
               faultCase("a", "kill-mid-backup", model::Outcome::Passed)};
    model::CaseResult plain;
    plain.name = "1-backup";
    plain.scenario = plain.classname = "a";
    plain.kind = "drill:backup";
    s.cases.push_back(plain);
    run.suites.push_back(s);
    return run;
}

} // namespace

BOOST_AUTO_TEST_SUITE(report_fault_summary)

BOOST_AUTO_TEST_CASE(terminal_groups_fault_cases_by_kind) {
    auto text = report::renderFaultSummary(faultRun());
    BOOST_TEST(text.find("faults by kind:\n") == 0u);
    BOOST_TEST(text.find("  bit-flip               1 passed, 1 failed\n      failed b/2-fault-bit-flip\n") !=
               std::string::npos);
    BOOST_TEST(text.find("  kill-mid-backup        1 passed\n") != std::string::npos);
    BOOST_TEST(text.find("backup\n") == std::string::npos); // plain steps are not faults
    BOOST_TEST(report::renderTerminal(faultRun()).find("faults by kind:") != std::string::npos);
    model::RunResult none;
    BOOST_TEST(report::renderFaultSummary(none).empty());
}

BOOST_AUTO_TEST_CASE(prometheus_counts_fault_cases_by_kind_and_outcome) {
    auto text = report::renderPrometheus(faultRun());
    BOOST_TEST(text.find("nixdrill_fault_cases{command=\"run\",fault=\"bit-flip\",outcome=\"passed\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("nixdrill_fault_cases{command=\"run\",fault=\"bit-flip\",outcome=\"failed\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("nixdrill_fault_cases{command=\"run\",fault=\"kill-mid-backup\",outcome=\"broken\"} 0\n") !=
               std::string::npos);
    BOOST_TEST(text.find("fault=\"backup\"") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
