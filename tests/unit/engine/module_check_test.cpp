///@file Tests of the module-system comparison of `eval --nixpkgs`: option paths and judgements.
#include "engine/module_check.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;
using nlohmann::json;

namespace {

model::Scenario someScenario() {
    model::Scenario s;
    s.name = "s";
    s.group = "backup";
    return s;
}

nixeval::EvalOutcome ok(const std::string& value) {
    nixeval::EvalOutcome o;
    o.status = nixeval::EvalStatus::Ok;
    o.value = json::parse(value);
    return o;
}

nixeval::EvalOutcome invalid(std::vector<std::string> errors) {
    nixeval::EvalOutcome o;
    o.status = nixeval::EvalStatus::Invalid;
    o.errors = std::move(errors);
    for (const auto& e : o.errors) {
        o.message += (o.message.empty() ? "" : "\n") + e;
    }
    return o;
}

nixeval::EvalOutcome threw(const std::string& message) {
    nixeval::EvalOutcome o;
    o.status = nixeval::EvalStatus::Error;
    o.message = message;
    return o;
}

const char* pureValue = R"({
  "collector": {"backups": {"db": {"paths": ["/var/lib/db"]}}, "backupOrder": ["db"], "overlaps": [],
                "persistence": ["/var/lib/db"]},
  "backup": {"jobOrder": ["service-db"],
             "jobs": {"service-db": {"pruneOpts": ["--keep-daily 14"], "after": [], "kind": "service"}}}
})";

} // namespace

BOOST_AUTO_TEST_SUITE(engine_module_check)

BOOST_AUTO_TEST_CASE(option_paths_of_pointers) {
    using engine::optionPathOfPointer;
    BOOST_TEST(optionPathOfPointer("/collector/backups/db/paths/0") == "qgroget.backups.db.paths");
    BOOST_TEST(optionPathOfPointer("/collector/backupOrder/1") == "qgroget.collector.backupOrder");
    BOOST_TEST(optionPathOfPointer("/collector/overlaps") == "qgroget.collector.overlaps");
    BOOST_TEST(optionPathOfPointer("/collector/persistence/2") == "environment.persistence.\"/persist\".directories");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/service-db/pruneOpts/0") ==
               "services.restic.backups.service-db.pruneOpts");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/etc/timerConfig/OnCalendar") ==
               "services.restic.backups.etc.timerConfig.OnCalendar");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/etc/after") == "systemd.services.restic-backups-etc.after");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/etc/metricsHook") ==
               "systemd.services.restic-backups-etc.serviceConfig.ExecStopPost");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/etc/kind") == "modules.backup.rendered.jobs.etc.kind");
    BOOST_TEST(optionPathOfPointer("/backup/jobs/a.b") == "services.restic.backups.\"a.b\"");
    BOOST_TEST(optionPathOfPointer("/backup/jobOrder/0") == "modules.backup.rendered.jobOrder");
    BOOST_TEST(optionPathOfPointer("/containers/nc/onCalendar") == "systemd.timers.nc-backup.timerConfig.OnCalendar");
    BOOST_TEST(optionPathOfPointer("/containers/nc/packages/1") == "systemd.services.nc-backup.path");
    BOOST_TEST(optionPathOfPointer("/collector/backups/a~1b/exclude") == "qgroget.backups.\"a/b\".exclude");
}

BOOST_AUTO_TEST_CASE(option_paths_of_messages) {
    using engine::optionPathOfMessage;
    BOOST_TEST(optionPathOfMessage("qgroget.serviceModules.db.priority: expected an integer") ==
               "qgroget.serviceModules.db.priority");
    BOOST_TEST(optionPathOfMessage("qgroget.serviceModules.\"my app\": service name \"my app\" is not safe") ==
               "qgroget.serviceModules.\"my app\"");
    BOOST_TEST(
        optionPathOfMessage("error: A definition for option `modules.backup.enable' is not of type `boolean'.") ==
        "modules.backup.enable");
    BOOST_TEST(optionPathOfMessage("error: The option `modules.backup.zfs' does not exist.") == "modules.backup.zfs");
    BOOST_TEST(optionPathOfMessage("error: modules.containerBackups.nc.backup.schedule: cron expression") ==
               "modules.containerBackups.nc.backup.schedule");
    BOOST_TEST(optionPathOfMessage("mkBackupService: name \"a/b\" must match") == "");
}

BOOST_AUTO_TEST_CASE(equal_outputs_pass) {
    auto c = engine::compareWithModules(someScenario(), ok(pureValue), ok(pureValue));
    BOOST_TEST((c.outcome == model::Outcome::Passed));
    BOOST_TEST(c.kind == "eval-modules");
    BOOST_TEST(c.classname == "nixos-modules.backup");
}

BOOST_AUTO_TEST_CASE(a_differing_option_fails_with_its_path) {
    auto modules = json::parse(pureValue);
    modules["backup"]["jobs"]["service-db"]["pruneOpts"][0] = "--keep-daily 7";
    modules["collector"]["persistence"].push_back("/extra");
    auto c = engine::compareWithModules(someScenario(), ok(pureValue), ok(modules.dump()));
    BOOST_TEST((c.outcome == model::Outcome::Failed));
    BOOST_REQUIRE(c.mismatches.size() == 2u);
    bool prune = false;
    bool persistence = false;
    for (const auto& m : c.mismatches) {
        prune = prune || (m.pointer == "/backup/jobs/service-db/pruneOpts/0" &&
                          m.note.rfind("option services.restic.backups.service-db.pruneOpts:", 0) == 0 &&
                          m.expected == json("--keep-daily 14") && m.actual == json("--keep-daily 7"));
        persistence =
            persistence || m.note.find("environment.persistence.\"/persist\".directories") != std::string::npos;
    }
    BOOST_TEST(prune);
    BOOST_TEST(persistence);
    BOOST_TEST(c.message.find("2 difference(s)") != std::string::npos, c.message);
}

BOOST_AUTO_TEST_CASE(disagreeing_acceptance_fails) {
    auto rejectedByModules =
        engine::compareWithModules(someScenario(), ok(pureValue), invalid({"modules.backup.schedule: bad"}));
    BOOST_TEST((rejectedByModules.outcome == model::Outcome::Failed));
    BOOST_TEST(rejectedByModules.message.find("at modules.backup.schedule") != std::string::npos);

    auto typeError = engine::compareWithModules(
        someScenario(), ok(pureValue), threw("error: The option `qgroget.serviceModules.db.extra' does not exist."));
    BOOST_TEST((typeError.outcome == model::Outcome::Failed));
    BOOST_TEST(typeError.mismatches.front().note.find("qgroget.serviceModules.db.extra") != std::string::npos);

    auto acceptedByModules = engine::compareWithModules(
        someScenario(), invalid({"qgroget.serviceModules.db.dataDir: relative"}), ok(pureValue));
    BOOST_TEST((acceptedByModules.outcome == model::Outcome::Failed));
    BOOST_TEST(acceptedByModules.mismatches.front().note.rfind("option qgroget.serviceModules.db.dataDir:", 0) == 0);
}

BOOST_AUTO_TEST_CASE(rejections_must_name_the_same_options) {
    auto same =
        engine::compareWithModules(someScenario(), invalid({"modules.backup.restic.jobs.etc.paths: is not set"}),
                                   invalid({"modules.backup.restic.jobs.etc.paths: is empty"}));
    BOOST_TEST((same.outcome == model::Outcome::Passed));
    BOOST_TEST(same.output.find("worded differently") != std::string::npos);

    auto byType = engine::compareWithModules(
        someScenario(), invalid({"qgroget.serviceModules.db.priority: expected an integer, got a string"}),
        threw("error: A definition for option `qgroget.serviceModules.db.priority' is not of type `signed integer'."));
    BOOST_TEST((byType.outcome == model::Outcome::Passed));

    auto nested = engine::compareWithModules(
        someScenario(), invalid({"qgroget.serviceModules.db.backup.postgres.databases[0]: \"-rf\" is not a name"}),
        threw("error: A definition for option `qgroget.serviceModules.db.backup.postgres' is not of type"));
    BOOST_TEST((nested.outcome == model::Outcome::Passed));

    auto container = engine::compareWithModules(
        someScenario(), invalid({"backupConfig.schedule: cron expression \"\" has 0 fields"}),
        threw("error: modules.containerBackups.nc.backup.schedule: cron expression \"\" has 0 fields"));
    BOOST_TEST((container.outcome == model::Outcome::Passed));

    auto unnamed = engine::compareWithModules(someScenario(), invalid({"mkBackupService: name \"a/b\" must match"}),
                                              threw("error: mkBackupService: name \"a/b\" must match\n  trace"));
    BOOST_TEST((unnamed.outcome == model::Outcome::Passed));

    auto elsewhere =
        engine::compareWithModules(someScenario(), invalid({"qgroget.serviceModules.db.dataDir: relative"}),
                                   invalid({"modules.backup.schedule: bad"}));
    BOOST_TEST((elsewhere.outcome == model::Outcome::Failed));
    BOOST_TEST(elsewhere.mismatches.size() == 2u); // the module's extra one, and nix/lib's unmatched one

    auto otherType =
        engine::compareWithModules(someScenario(), invalid({"qgroget.serviceModules.db.dataDir: relative"}),
                                   threw("error: The option `modules.backup.zfs' does not exist."));
    BOOST_TEST((otherType.outcome == model::Outcome::Failed));
}

BOOST_AUTO_TEST_SUITE_END()
