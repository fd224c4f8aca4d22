///@file Tests of how a scenario is judged from its evaluation outcome.
#include "engine/eval_runner.hpp"
#include "engine/steps/registry.hpp"
#include "scenario/parser.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;
using nixeval::EvalOutcome;
using nixeval::EvalStatus;

namespace {

model::Scenario scenarioOf(const std::string& extra) {
    return scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": {"a": {"enable": true,
        "dataDir": "/var/lib/a", "backupPaths": ["/var/lib/a"]}})" +
                                       extra + "}",
                                   "scenarios/g/s.json", "g", nixdrill::engine::steps::catalogue());
}

EvalOutcome okOutcome() {
    EvalOutcome o;
    o.status = EvalStatus::Ok;
    o.value = nlohmann::json::parse(R"({"collector": {"persistence": ["/var/lib/a"],
        "backups": {"a": {"paths": ["/var/lib/a"], "systemdUnits": ["a.service"], "priority": 100,
                          "exclude": [], "preBackup": null, "postBackup": null}},
        "backupOrder": ["a"], "overlaps": []}})");
    o.seconds = 0.5;
    return o;
}

EvalOutcome errorOutcome(EvalStatus status, const std::string& message) {
    EvalOutcome o;
    o.status = status;
    o.message = message;
    o.errors = {message};
    return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(engine_eval_runner)

BOOST_AUTO_TEST_CASE(matching_expectations_pass) {
    auto s = scenarioOf(R"(, "expect": {"collector": {"backupOrder": ["a"], "persistence": ["/var/lib/a"]}})");
    auto c = engine::judgeScenario(s, okOutcome());
    BOOST_TEST((c.outcome == model::Outcome::Passed), c.message);
    BOOST_TEST(c.classname == "g");
    BOOST_TEST(c.durationSeconds >= 0.5);
}

BOOST_AUTO_TEST_CASE(wrong_expectation_fails_with_a_pointer) {
    auto s = scenarioOf(R"(, "expect": {"collector": {"backupOrder": ["b"]}})");
    auto c = engine::judgeScenario(s, okOutcome());
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_REQUIRE(c.mismatches.size() == 1u);
    BOOST_TEST(c.mismatches[0].pointer == "/collector/backupOrder/0");
}

BOOST_AUTO_TEST_CASE(missing_section_fails) {
    auto s = scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": {}, "backup": {},
        "expect": {"backup": {"jobs": {}}}})",
                                     "f", "g", nixdrill::engine::steps::catalogue());
    auto o = okOutcome();
    o.value["collector"] = {{"persistence", nlohmann::json::array()},
                            {"backups", nlohmann::json::object()},
                            {"backupOrder", nlohmann::json::array()},
                            {"overlaps", nlohmann::json::array()}};
    auto c = engine::judgeScenario(s, o);
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_TEST(c.mismatches[0].pointer == "/backup");
}

BOOST_AUTO_TEST_CASE(invariants_apply_without_expectations) {
    auto o = okOutcome();
    o.value["collector"]["backupOrder"] = nlohmann::json::array();
    auto c = engine::judgeScenario(scenarioOf(""), o);
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_TEST(c.message.find("invariant") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(evaluation_errors_are_broken_not_failed) {
    auto c = engine::judgeScenario(scenarioOf(""), errorOutcome(EvalStatus::Error, "error: infinite recursion"));
    BOOST_TEST((c.outcome == model::Outcome::Broken));
    BOOST_TEST(c.message.find("error: infinite recursion") != std::string::npos);
    c = engine::judgeScenario(scenarioOf(""), errorOutcome(EvalStatus::Invalid, "x.priority: bad"));
    BOOST_TEST((c.outcome == model::Outcome::Broken));
}

BOOST_AUTO_TEST_CASE(expected_errors) {
    auto s = scenarioOf(R"(, "expectError": ["backupPaths[0]", "not an absolute path"])");
    auto c = engine::judgeScenario(
        s, errorOutcome(EvalStatus::Invalid, "qgroget.serviceModules.a.backupPaths[0]: \"x\" is not an absolute path"));
    BOOST_TEST((c.outcome == model::Outcome::Passed), c.message);
    c = engine::judgeScenario(s, errorOutcome(EvalStatus::Invalid, "qgroget.serviceModules.a.priority: bad"));
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_TEST(c.mismatches.size() == 2u);
    c = engine::judgeScenario(s, okOutcome());
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_TEST(c.message.find("an error was expected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(accept_rewrites_expectations_only_from_usable_outcomes) {
    auto s = scenarioOf(R"(, "expect": {"collector": {"backupOrder": ["b"]}})");
    auto doc = engine::acceptedDocument(s, okOutcome());
    BOOST_REQUIRE(doc.has_value());
    BOOST_TEST((*doc)["expect"]["collector"]["backupOrder"][0] == "a");
    BOOST_TEST((*doc)["services"] == s.services);
    BOOST_TEST(!engine::acceptedDocument(s, errorOutcome(EvalStatus::Error, "boom")).has_value());
    auto e = scenarioOf(R"(, "expectError": "old")");
    BOOST_TEST(!engine::acceptedDocument(e, okOutcome()).has_value());
    auto accepted = engine::acceptedDocument(e, errorOutcome(EvalStatus::Invalid, "new message"));
    BOOST_REQUIRE(accepted.has_value());
    BOOST_TEST((*accepted)["expectError"] == "new message");
}

BOOST_AUTO_TEST_CASE(accept_keeps_partial_expectations_partial) {
    auto s = scenarioOf(R"(, "expect": {"collector": {"backups": {"a": {"...": true, "priority": 5}}}})");
    auto doc = engine::acceptedDocument(s, okOutcome());
    BOOST_REQUIRE(doc.has_value());
    const auto& a = (*doc)["expect"]["collector"]["backups"]["a"];
    BOOST_TEST(a["priority"] == 100);
    BOOST_TEST(a["..."] == true);
    BOOST_TEST(!a.contains("paths"));
    BOOST_TEST(!(*doc)["expect"]["collector"].contains("persistence"));
}

BOOST_AUTO_TEST_SUITE_END()
