///@file Tests of mutation testing: the mutants of a contract, and the verdict on each.
#include "engine/mutants.hpp"
#include "engine/steps/registry.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

model::Scenario mutantSource(const std::string& services) {
    return scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": )" + services + R"(,
      "backup": {"enable": true, "restic": {"repositories": {"local": {"url": "/var/lib/r",
                 "passwordFile": "/run/keys/pw", "primary": true}}}},
      "drill": {"seed": 4, "steps": [{"action": "backup"}, {"action": "restore"}]}})",
                                   "x.json", "g", nixdrill::engine::steps::catalogue());
}

std::vector<std::string> idsOf(const engine::MutantSet& m) {
    std::vector<std::string> out;
    for (const auto& x : m.mutants) {
        out.push_back(x.id);
    }
    return out;
}

model::CaseResult stepCase(const std::string& scenario, const std::string& name, model::Outcome outcome,
                           const std::string& message = "") {
    model::CaseResult c;
    c.scenario = scenario;
    c.name = name;
    c.outcome = outcome;
    c.message = message;
    c.durationSeconds = 1;
    return c;
}

} // namespace

BOOST_AUTO_TEST_SUITE(engine_mutants)

BOOST_AUTO_TEST_CASE(each_contract_field_a_good_drill_must_catch) {
    auto s = mutantSource(R"({
      "shop": {"enable": true, "dataDir": "/var/lib/shop", "backupPaths": ["/var/backup/shop", "/srv/shop"],
               "systemdUnits": ["shop.service", "shop-worker.service"], "preBackup": "dump",
               "postRestore": "load", "exclude": ["*.tmp"]},
      "off": {"enable": false, "backupPaths": ["/x"], "preBackup": "y"},
      "kept": {"enable": true, "dataDir": "/var/lib/kept", "preBackup": "y"},
      "app": {"enable": true, "backupPaths": ["/srv/app"]}})");
    auto m = engine::mutantsOf(s);
    BOOST_TEST(idsOf(m) == (std::vector<std::string>{
                               "drop-systemdUnit.app.0", "exclude-data.app", "drop-backupPath.shop.0",
                               "drop-backupPath.shop.1", "drop-preBackup.shop", "drop-postRestore.shop",
                               "drop-systemdUnit.shop.0", "drop-systemdUnit.shop.1", "exclude-data.shop"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(m.variants.size(), m.mutants.size());
    // Each variant changes its one field and nothing else, the drill left as it is.
    const auto& dropPath = m.variants[2];
    BOOST_TEST(dropPath.name == s.name + "~drop-backupPath.shop.0");
    BOOST_TEST(dropPath.services["shop"]["backupPaths"] == nlohmann::ordered_json::array({"/srv/shop"}));
    BOOST_TEST(dropPath.services["shop"]["preBackup"] == "dump");
    BOOST_TEST(dropPath.drill->steps.size() == 2U);
    // A mutant's first failure is its verdict; the scenario's own drill runs to the end.
    BOOST_TEST(dropPath.drill->stopAtFirstFailure);
    BOOST_TEST(!s.drill->stopAtFirstFailure);
    BOOST_TEST(!m.variants[4].services["shop"].contains("preBackup"));
    BOOST_TEST(!m.variants[5].services["shop"].contains("postRestore"));
    BOOST_TEST(m.variants[6].services["shop"]["systemdUnits"] ==
               nlohmann::ordered_json::array({"shop-worker.service"}));
    // The dropped unit still runs on the host (a probe), the job just no longer stops it.
    BOOST_TEST(m.variants[6].drill->extraProbes == std::vector<std::string>{"shop.service"});
    BOOST_TEST(m.variants[4].drill->extraProbes.empty());
    BOOST_TEST(m.variants[8].services["shop"]["exclude"] ==
               nlohmann::ordered_json::array({"*.tmp", "/var/lib/shop/*"}));
    // The drill's data stays the unmutated contract's: it still expects the excluded files back.
    BOOST_TEST((m.variants[8].drill->mutantExcludes ==
                std::map<std::string, std::vector<std::string>>{{"shop", {"/var/lib/shop/*"}}}));
    BOOST_TEST(m.variants[4].drill->mutantExcludes.empty());
    // Each mutant kind says what a drill needs to notice it.
    for (const auto& mutant : m.mutants) {
        BOOST_TEST(!mutant.hint.empty(), mutant.id);
    }
    // A contract without systemdUnits stops its own unit (the collector's default).
    BOOST_TEST(m.variants[0].services["app"]["systemdUnits"] == nlohmann::ordered_json::array());
    BOOST_TEST(m.variants[1].services["app"]["exclude"] == nlohmann::ordered_json::array({"/srv/app/*"}));
    // The only path of app is never dropped: without it nothing is backed up at all; a contract
    // with a dataDir and no backupPaths registers nothing, so it has no mutant.
    for (const auto& id : idsOf(m)) {
        BOOST_TEST(id.find("drop-backupPath.app") == std::string::npos);
        BOOST_TEST(id.find(".kept") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(no_drill_or_nothing_to_mutate_is_refused) {
    auto noDrill = scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": {}})", "n.json", "g",
                                           nixdrill::engine::steps::catalogue());
    BOOST_CHECK_THROW(engine::mutantsOf(noDrill), util::InputError);
    BOOST_CHECK_THROW(engine::mutantsOf(mutantSource(R"({"a": {"enable": false, "backupPaths": ["/a"]}})")),
                      util::InputError);
    auto nixos = mutantSource(R"({"a": {"enable": true, "backupPaths": ["/a"]}})");
    nixos.drill->guest = "nixos";
    BOOST_CHECK_THROW(engine::mutantsOf(nixos), util::InputError);
}

BOOST_AUTO_TEST_CASE(killed_survived_and_no_verdict) {
    using model::Outcome;
    std::vector<engine::Mutant> mutants = {{"s", "s.json", "s~a", "a", "no a", ""},
                                           {"s", "s.json", "s~b", "b", "no b", "add a writer"},
                                           {"s", "s.json", "s~c", "c", "no c", ""}};
    model::RunResult run;
    model::SuiteResult group{
        "g", "", "", 0, {stepCase("s", "s", Outcome::Passed), stepCase("s~a", "s~a", Outcome::Passed)}};
    model::SuiteResult base{"drill.s", "", "", 0, {stepCase("s", "1-backup", Outcome::Passed)}};
    model::SuiteResult a{"drill.s~a",
                         "",
                         "",
                         0,
                         {stepCase("s~a", "1-backup", Outcome::Passed),
                          stepCase("s~a", "2-restore", Outcome::Failed, "sha256 differs\nmore"),
                          stepCase("s~a", "3-check", Outcome::Broken, "gone")}};
    model::SuiteResult b{"drill.s~b", "", "", 0, {stepCase("s~b", "1-backup", Outcome::Passed)}};
    model::SuiteResult c{"drill.s~c", "", "", 0, {stepCase("s~c", "1-backup", Outcome::Broken, "agent lost")}};
    run.suites = {group, base, a, b, c};
    engine::scoreMutants(run, mutants);

    BOOST_REQUIRE_EQUAL(run.suites.size(), 3U); // g (without s~a's case), drill.s, mutants.s
    BOOST_TEST(run.suites[0].cases.size() == 1U);
    const auto& m = run.suites[2];
    BOOST_TEST(m.name == "mutants.s");
    BOOST_TEST(m.file == "s.json");
    BOOST_REQUIRE_EQUAL(m.cases.size(), 3U);
    BOOST_TEST((m.cases[0].outcome == Outcome::Passed));
    BOOST_TEST(m.cases[0].message == "killed by 2-restore: sha256 differs");
    BOOST_TEST(m.cases[0].output.find("failed 2-restore: sha256 differs") != std::string::npos);
    BOOST_TEST((m.cases[1].outcome == Outcome::Failed));
    BOOST_TEST(
        m.cases[1].message ==
        "survived: every step passed with no b — the drill does not notice (to notice it, a drill would add a writer)");
    BOOST_TEST((m.cases[2].outcome == Outcome::Broken));
    BOOST_TEST(m.cases[2].message == "no verdict: 1-backup broke: agent lost");
    BOOST_TEST(run.properties.at("mutants.s.score") == "1/2");
    BOOST_TEST(run.properties.at("mutants.s.survivors") == "b");
}

BOOST_AUTO_TEST_CASE(a_drill_that_does_not_pass_gives_no_verdict) {
    using model::Outcome;
    std::vector<engine::Mutant> mutants = {{"s", "s.json", "s~a", "a", "no a", ""}};
    model::RunResult run;
    run.suites = {{"drill.s", "", "", 0, {stepCase("s", "1-backup", Outcome::Failed, "wrong")}},
                  {"drill.s~a", "", "", 0, {stepCase("s~a", "1-backup", Outcome::Failed, "wrong")}}};
    engine::scoreMutants(run, mutants);
    BOOST_REQUIRE_EQUAL(run.suites.size(), 2U);
    BOOST_TEST((run.suites[1].cases.at(0).outcome == Outcome::Broken));
    BOOST_TEST(run.suites[1].cases.at(0).message.find("does not pass") != std::string::npos);
    BOOST_TEST(run.properties.at("mutants.s.score") == "0/0");
}

BOOST_AUTO_TEST_SUITE_END()
