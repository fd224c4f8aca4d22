///@file --only patterns and --rerun-failed's plan from a stored run.
#include "engine/selection.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

model::CaseResult caseOf(const std::string& scenario, const std::string& name, model::Outcome outcome,
                         const std::string& kind = "") {
    model::CaseResult c;
    c.scenario = scenario;
    c.name = name;
    c.outcome = outcome;
    c.kind = kind;
    return c;
}

std::vector<model::Scenario> scenariosNamed(const std::vector<std::string>& names) {
    std::vector<model::Scenario> out;
    for (const auto& n : names) {
        model::Scenario s;
        s.name = n;
        out.push_back(s);
    }
    return out;
}

std::vector<std::string> namesOf(const std::vector<model::Scenario>& scenarios) {
    std::vector<std::string> out;
    for (const auto& s : scenarios) {
        out.push_back(s.name);
    }
    return out;
}

std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "";
}

} // namespace

BOOST_AUTO_TEST_SUITE(selection)

BOOST_AUTO_TEST_CASE(rerun_takes_failed_and_broken_scenarios_with_their_files) {
    model::RunResult run;
    model::SuiteResult eval{"collector", "scenarios/collector", "", 0, {}};
    eval.cases = {caseOf("ok", "ok", model::Outcome::Passed), caseOf("wrong", "wrong", model::Outcome::Failed),
                  caseOf("skipped", "skipped", model::Outcome::Skipped)};
    model::SuiteResult drill{"drill.d@kill-mid-backup", "scenarios/drills/d.json", "", 0, {}};
    drill.cases = {caseOf("d@kill-mid-backup", "1-backup", model::Outcome::Passed),
                   caseOf("d@kill-mid-backup", "2-restore", model::Outcome::Broken)};
    model::SuiteResult passing{"drill.e@wrong-password", "scenarios/drills/e.json", "", 0, {}};
    passing.cases = {caseOf("e@wrong-password", "1-fault", model::Outcome::Passed)};
    run.suites = {eval, drill, passing};
    auto plan = engine::rerunPlanOf(run);
    BOOST_TEST((plan.scenarios == std::set<std::string>{"wrong", "d@kill-mid-backup"}));
    BOOST_TEST((plan.paths == std::set<std::string>{"scenarios/collector", "scenarios/drills/d.json"}));
    BOOST_TEST((plan.faultKinds == std::vector<std::string>{"kill-mid-backup"}));
    BOOST_TEST(!plan.mutants);
}

BOOST_AUTO_TEST_CASE(a_survived_mutant_reruns_with_its_scenario) {
    model::RunResult run;
    model::SuiteResult suite{"mutants.shop", "scenarios/drills/shop.json", "", 0, {}};
    suite.cases = {caseOf("shop", "drop-preBackup.shop", model::Outcome::Failed, "mutant"),
                   caseOf("shop", "drop-unit.shop", model::Outcome::Passed, "mutant")};
    run.suites = {suite};
    auto plan = engine::rerunPlanOf(run);
    BOOST_TEST((plan.scenarios == std::set<std::string>{"shop", "shop~drop-preBackup.shop"}));
    BOOST_TEST(plan.mutants);
    BOOST_TEST(plan.faultKinds.empty());
}

BOOST_AUTO_TEST_CASE(a_run_that_passed_plans_nothing) {
    model::RunResult run;
    model::SuiteResult suite{"collector", "scenarios/collector", "", 0, {}};
    suite.cases = {caseOf("ok", "ok", model::Outcome::Passed)};
    run.suites = {suite};
    auto plan = engine::rerunPlanOf(run);
    BOOST_TEST(plan.scenarios.empty());
    BOOST_TEST(plan.paths.empty());
}

BOOST_AUTO_TEST_CASE(base_names_of_variants) {
    BOOST_TEST(engine::baseScenarioName("drill-a@kill-mid-backup") == "drill-a");
    BOOST_TEST(engine::baseScenarioName("drill-a~drop-preBackup.x") == "drill-a");
    BOOST_TEST(engine::baseScenarioName("plain") == "plain");
}

BOOST_AUTO_TEST_CASE(patterns_keep_matching_names_and_the_bases_of_kept_mutants) {
    auto s = scenariosNamed({"shop", "shop~drop-unit.shop", "shop~drop-preBackup.shop", "other"});
    engine::keepSelected(s, {"*~drop-pre*"}, {}, true, "--only x");
    BOOST_TEST((namesOf(s) == std::vector<std::string>{"shop", "shop~drop-preBackup.shop"}));
    auto f = scenariosNamed({"a@bit-flip", "a@power-loss", "b@bit-flip"});
    engine::keepSelected(f, {"*@bit-flip"}, {}, false, "--only x");
    BOOST_TEST((namesOf(f) == std::vector<std::string>{"a@bit-flip", "b@bit-flip"}));
    auto exact = scenariosNamed({"a", "ab"});
    engine::keepSelected(exact, {}, {"a"}, false, "--rerun-failed r.json");
    BOOST_TEST((namesOf(exact) == std::vector<std::string>{"a"}));
}

BOOST_AUTO_TEST_CASE(a_selection_of_nothing_or_of_unknown_names_is_refused) {
    auto s = scenariosNamed({"a", "b"});
    BOOST_TEST(messageOf([&] { engine::keepSelected(s, {"c*"}, {}, false, "--only c*"); }) ==
               "--only c* selects no scenario; the paths hold: a, b");
    BOOST_TEST(messageOf([&] {
                   engine::keepSelected(s, {}, {"a", "gone"}, false, "--rerun-failed r.json");
               }) == "--rerun-failed r.json: no scenario named gone among the paths (renamed or removed?)");
    BOOST_TEST((namesOf(s) == std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(pattern_lists) {
    BOOST_TEST((engine::parsePatternList("a,b*") == std::vector<std::string>{"a", "b*"}));
    BOOST_TEST(messageOf([] { engine::parsePatternList("a,,b"); }).find("an empty one") != std::string::npos);
    BOOST_TEST(messageOf([] { engine::parsePatternList(""); }).find("an empty one") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
