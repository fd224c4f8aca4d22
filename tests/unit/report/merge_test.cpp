///@file Shards' stored runs merged into one: suites joined, overlaps and mixed commands refused.
#include "report/merge.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

model::CaseResult mergeCase(const std::string& scenario, const std::string& name, model::Outcome outcome) {
    model::CaseResult c;
    c.scenario = scenario;
    c.name = name;
    c.outcome = outcome;
    c.durationSeconds = 1;
    return c;
}

model::RunResult mergeRun(const std::string& id, const std::string& started, double seconds,
                          std::vector<model::SuiteResult> suites) {
    model::RunResult r;
    r.runId = id;
    r.command = "run";
    r.startedAt = started;
    r.durationSeconds = seconds;
    r.suites = std::move(suites);
    return r;
}

model::SuiteResult mergeSuite(const std::string& name, std::vector<model::CaseResult> cases) {
    model::SuiteResult s;
    s.name = name;
    s.file = "scenarios/" + name;
    s.timestamp = "2026-12-07T10:00:00Z";
    s.cases = std::move(cases);
    return s;
}

std::string mergeMessage(const std::vector<report::NamedRun>& runs) {
    try {
        report::mergeRuns(runs);
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

BOOST_AUTO_TEST_SUITE(merge)

BOOST_AUTO_TEST_CASE(joins_suites_and_keeps_every_case) {
    using O = model::Outcome;
    auto a = mergeRun(
        "r1", "2026-12-07T10:00:05Z", 100,
        {mergeSuite("collector", {mergeCase("c1", "c1", O::Passed)}),
         mergeSuite("drill.d1", {mergeCase("d1", "backup", O::Passed), mergeCase("d1", "restore", O::Failed)})});
    a.properties = {{"accelerator", "tcg"}, {"nixdrill.version", "1"}, {"profile.d1.wall", "50"}};
    auto b = mergeRun("r2", "2026-12-07T10:00:01Z", 120,
                      {mergeSuite("collector", {mergeCase("c2", "c2", O::Passed)}),
                       mergeSuite("drill.d2", {mergeCase("d2", "backup", O::Broken)})});
    b.properties = {{"accelerator", "kvm"}, {"nixdrill.version", "1"}, {"profile.d2.wall", "60"}};
    auto m = report::mergeRuns({{"a.json", a}, {"b.json", b}});
    BOOST_TEST(m.command == "run");
    BOOST_TEST(m.startedAt == "2026-12-07T10:00:01Z");
    BOOST_TEST(m.durationSeconds == 120.0); // side by side: the longest
    BOOST_REQUIRE(m.suites.size() == 3u);
    BOOST_TEST(m.suites[0].name == "collector");
    BOOST_TEST(m.suites[0].cases.size() == 2u);
    BOOST_TEST(m.suites[1].name == "drill.d1");
    BOOST_TEST(m.suites[2].name == "drill.d2");
    auto counts = m.counts();
    BOOST_TEST(counts.passed == 3u);
    BOOST_TEST(counts.failed == 1u);
    BOOST_TEST(counts.broken == 1u);
    BOOST_TEST(!m.ok());
    BOOST_TEST(m.properties["nixdrill.version"] == "1");
    BOOST_TEST(m.properties["accelerator"] == "tcg | kvm");
    BOOST_TEST(m.properties["profile.d1.wall"] == "50");
    BOOST_TEST(m.properties["profile.d2.wall"] == "60");
    BOOST_TEST(m.properties["merge.runs"] == "r1,r2");
}

BOOST_AUTO_TEST_CASE(refuses_overlapping_runs_and_mixed_commands_naming_them_all) {
    using O = model::Outcome;
    auto a = mergeRun("r1", "", 1,
                      {mergeSuite("drill.d1", {mergeCase("d1", "backup", O::Passed)}),
                       mergeSuite("collector", {mergeCase("c1", "c1", O::Passed)})});
    auto b = mergeRun("r2", "", 1, {mergeSuite("drill.d1", {mergeCase("d1", "backup", O::Passed)})});
    auto c = mergeRun("r3", "", 1, {mergeSuite("collector", {mergeCase("c1", "c1", O::Passed)})});
    c.command = "eval";
    auto msg = mergeMessage({{"a.json", a}, {"b.json", b}, {"c.json", c}});
    BOOST_TEST(msg.find("cannot merge these runs") != std::string::npos, msg);
    BOOST_TEST(msg.find("scenario d1 is in both a.json and b.json") != std::string::npos, msg);
    BOOST_TEST(msg.find("scenario c1 is in both a.json and c.json") != std::string::npos, msg);
    BOOST_TEST(msg.find("c.json: a `eval` run, but a.json is a `run` run") != std::string::npos, msg);
    // The same run twice is an overlap too.
    BOOST_TEST(mergeMessage({{"a.json", a}, {"a.json", a}}).find("is in both a.json and a.json") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
