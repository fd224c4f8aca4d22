///@file Tests of the drill section: defaults, steps, and errors by JSON pointer.
#include "engine/steps/registry.hpp"
#include "scenario/drill_parser.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

std::string withDrill(const std::string& drill) {
    return R"({"format": "nixdrill-scenario/1", "services": {}, "backup": {}, "drill": )" + drill + "}";
}

std::string drillErrorOf(const std::string& drill) {
    try {
        scenario::parseScenario(withDrill(drill), "d.json", "g", nixdrill::engine::steps::catalogue());
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "";
}

} // namespace

BOOST_AUTO_TEST_SUITE(scenario_drill_parser)

BOOST_AUTO_TEST_CASE(full_drill) {
    auto s = scenario::parseScenario(withDrill(R"({"seed": 42, "memoryMiB": 768, "data": {"app": {"files": 5}},
        "timeouts": {"boot": 60},
        "steps": [{"action": "backup"}, {"action": "mutate"}, {"action": "backup"},
                  {"action": "restore", "snapshot": 1}, {"action": "restore", "inPlace": true, "name": "in-place"},
                  {"action": "verify-repository", "readDataSubset": "50%"}, {"action": "check-metrics"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    BOOST_REQUIRE(s.drill.has_value());
    const auto& d = *s.drill;
    BOOST_TEST(d.seed == 42u);
    BOOST_TEST(d.memoryMiB == 768u);
    BOOST_TEST(d.bootTimeoutSeconds == 60u);
    BOOST_TEST(d.data.at("app").files == 5u);
    BOOST_TEST(d.data.at("app").symlinks == 2u);
    BOOST_REQUIRE(d.steps.size() == 7u);
    BOOST_TEST(d.steps[0].name == "1-backup");
    BOOST_TEST(d.steps[3].snapshot == "1");
    BOOST_TEST(d.steps[4].name == "in-place");
    BOOST_TEST(d.steps[4].inPlace);
    BOOST_TEST(d.steps[4].snapshot == "latest");
    BOOST_TEST(d.steps[5].readDataSubset == "50%");
}

BOOST_AUTO_TEST_CASE(errors_name_the_pointer) {
    BOOST_TEST(drillErrorOf(R"({"steps": []})").find("d.json: /drill/steps: a drill needs") == 0);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "explode"}]})").find("/drill/steps/0/action: unknown action") !=
               std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "restore"}]})").find("/drill/steps/0: a restore needs a backup") !=
               std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup"}, {"action": "restore", "snapshot": 2}]})")
                   .find("/drill/steps/1/snapshot") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup", "inPlace": true}]})")
                   .find("/drill/steps/0/inPlace: only applies to restore") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"guest": "windows", "steps": [{"action": "backup"}]})")
                   .find("/drill/guest: unknown guest kind") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"memoryMiB": 16, "steps": [{"action": "backup"}]})")
                   .find("/drill/memoryMiB: must be between") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"data": {"a": {"files": "many"}}, "steps": [{"action": "backup"}]})")
                   .find("/drill/data/a/files: expected an integer") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"stepz": 1})").find("/drill/stepz: unknown key") != std::string::npos);
    try {
        scenario::parseScenario(
            R"({"format": "nixdrill-scenario/1", "services": {}, "drill": {"steps": [{"action": "backup"}]}})",
            "d.json", "g", nixdrill::engine::steps::catalogue());
        BOOST_FAIL("no error");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("/drill: a drill runs the rendered backup jobs") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(faults_with_declared_outcomes) {
    auto s = scenario::parseScenario(withDrill(R"({"steps": [{"action": "backup"},
        {"action": "backup", "fault": {"kind": "wrong-password", "expect": {"category": "fatal", "status": 0,
            "lastSuccess": "kept", "unitsRunning": true, "snapshot": false, "repositoryUnchanged": true}}},
        {"action": "inject", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true, "restoreFails": true}}},
        {"action": "restore", "snapshot": 2}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    const auto& steps = s.drill->steps;
    BOOST_REQUIRE(steps.size() == 4u);
    BOOST_TEST(!steps[0].fault.has_value());
    BOOST_REQUIRE(steps[1].fault.has_value());
    BOOST_TEST(steps[1].name == "2-fault-wrong-password");
    BOOST_TEST((steps[1].fault->kind == "wrong-password"));
    BOOST_TEST(*steps[1].fault->expect.category == "fatal");
    BOOST_TEST(*steps[1].fault->expect.status == 0);
    BOOST_TEST(*steps[1].fault->expect.lastSuccess == "kept");
    BOOST_TEST(*steps[1].fault->expect.unitsRunning);
    BOOST_TEST(!*steps[1].fault->expect.snapshot);
    BOOST_TEST(!steps[1].fault->expect.checkDetects.has_value());
    BOOST_TEST((steps[2].action == "inject"));
    BOOST_TEST(steps[2].name == "3-fault-bit-flip");
    BOOST_TEST(*steps[2].fault->expect.restoreFails);
}

BOOST_AUTO_TEST_CASE(fault_errors_name_the_pointer) {
    auto has = [](const std::string& drill, const std::string& text) {
        auto e = drillErrorOf(drill);
        BOOST_TEST_INFO(e);
        return e.find(text) != std::string::npos;
    };
    BOOST_TEST(has(R"({"steps": [{"action": "backup", "fault": {"kind": "meteor", "expect": {"status": 0}}}]})",
                   "/drill/steps/0/fault/kind: unknown fault kind \"meteor\""));
    BOOST_TEST(has(R"({"steps": [{"action": "inject", "fault": {"kind": "wrong-password", "expect": {"status": 0}}}]})",
                   "/drill/steps/0/fault/kind: fault \"wrong-password\" is injected during a backup step"));
    BOOST_TEST(
        has(R"({"steps": [{"action": "backup", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true}}}]})",
            "/drill/steps/0/fault/kind: fault \"bit-flip\" is injected by an inject step"));
    BOOST_TEST(has(R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password"}}]})",
                   "/drill/steps/0/fault/expect: a fault needs a declared expected outcome"));
    BOOST_TEST(has(R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "expect": {}}}]})",
                   "/drill/steps/0/fault/expect: declare at least one"));
    BOOST_TEST(has(
        R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "expect": {"checkDetects": true}}}]})",
        "/drill/steps/0/fault/expect/checkDetects: unknown key"));
    BOOST_TEST(
        has(R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "expect": {"category": "bad"}}}]})",
            "/drill/steps/0/fault/expect/category: unknown category"));
    BOOST_TEST(has(
        R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "expect": {"lastSuccess": "gone"}}}]})",
        "/drill/steps/0/fault/expect/lastSuccess: expected"));
    BOOST_TEST(has(R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "expect": {"status": 2}}}]})",
                   "/drill/steps/0/fault/expect/status: must be between 0 and 1"));
    BOOST_TEST(has(R"({"steps": [{"action": "inject"}]})", "/drill/steps/0/fault: an inject step needs a fault"));
    BOOST_TEST(
        has(R"({"steps": [{"action": "mutate", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true}}}]})",
            "/drill/steps/0/fault: only applies to backup and inject steps"));
}

BOOST_AUTO_TEST_CASE(retries_only_where_a_step_repeats_cleanly) {
    auto s = scenario::parseScenario(withDrill(R"({"steps": [{"action": "backup"},
        {"action": "verify-repository", "retries": 2}, {"action": "restore", "retries": 1},
        {"action": "check-metrics", "retries": 3}, {"action": "restore"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    const auto& steps = s.drill->steps;
    BOOST_TEST(steps[0].retries == 0u);
    BOOST_TEST(steps[1].retries == 2u);
    BOOST_TEST(steps[2].retries == 1u);
    BOOST_TEST(steps[3].retries == 3u);
    BOOST_TEST(steps[4].retries == 0u); // the default: never retried
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup", "retries": 1}]})")
                   .find("d.json: /drill/steps/0/retries: only restore, verify-repository, check-metrics and "
                         "container-restore steps may be retried") == 0);
    BOOST_TEST(
        drillErrorOf(
            R"({"steps": [{"action": "backup"}, )"
            R"({"action": "inject", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true}}, "retries": 1}]})")
            .find("/drill/steps/1/retries: only restore") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "check-metrics", "retries": 4}]})")
                   .find("/drill/steps/0/retries: must be between") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "check-metrics", "retries": "twice"}]})")
                   .find("/drill/steps/0/retries: expected an integer") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_network_unless_asked) {
    auto none = scenario::parseScenario(withDrill(R"({"steps": [{"action": "backup"}]})"), "d.json", "g",
                                        nixdrill::engine::steps::catalogue());
    BOOST_TEST(!none.drill->network);
    auto asked = scenario::parseScenario(withDrill(R"({"network": true, "steps": [{"action": "backup"}]})"), "d.json",
                                         "g", nixdrill::engine::steps::catalogue());
    BOOST_TEST(asked.drill->network);
    BOOST_TEST(drillErrorOf(R"({"network": "yes", "steps": [{"action": "backup"}]})").find("/drill/network") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_drill_deadline) {
    auto s = scenario::parseScenario(withDrill(R"({"timeouts": {"drill": 1200}, "steps": [{"action": "backup"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    BOOST_TEST(s.drill->drillTimeoutSeconds == 1200u);
    auto none = scenario::parseScenario(withDrill(R"({"steps": [{"action": "backup"}]})"), "d.json", "g",
                                        nixdrill::engine::steps::catalogue());
    BOOST_TEST(none.drill->drillTimeoutSeconds == 0u);
    BOOST_TEST(drillErrorOf(R"({"timeouts": {"drill": 1}, "steps": [{"action": "backup"}]})")
                   .find("/drill/timeouts/drill: must be between") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(postgres_steps) {
    auto s = scenario::parseScenario(withDrill(R"({"steps": [{"action": "pg-seed", "rows": 50},
        {"action": "backup", "pgWriter": true}, {"action": "pg-drop"}, {"action": "pg-restore", "snapshot": 1},
        {"action": "pg-dump-fails"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    const auto& steps = s.drill->steps;
    BOOST_REQUIRE(steps.size() == 5u);
    BOOST_TEST((steps[0].action == "pg-seed"));
    BOOST_TEST(steps[0].rows == 50u);
    BOOST_TEST(steps[1].pgWriter);
    BOOST_TEST((steps[2].action == "pg-drop"));
    BOOST_TEST((steps[3].action == "pg-restore"));
    BOOST_TEST(steps[3].snapshot == "1");
    BOOST_TEST(steps[3].name == "4-pg-restore");
    BOOST_TEST((steps[4].action == "pg-dump-fails"));
}

BOOST_AUTO_TEST_CASE(postgres_step_errors_name_the_pointer) {
    BOOST_TEST(
        drillErrorOf(R"({"steps": [{"action": "backup", "rows": 5}]})").find("/drill/steps/0/rows: only applies") !=
        std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "pg-seed", "pgWriter": true}]})")
                   .find("/drill/steps/0/pgWriter: only applies to backup") != std::string::npos);
    BOOST_TEST(
        drillErrorOf(R"({"steps": [{"action": "pg-seed", "rows": 0}]})").find("/drill/steps/0/rows: must be between") !=
        std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup", "pgWriter": true, "fault": {"kind": "wrong-password",
        "expect": {"status": 0}}}]})")
                   .find("/drill/steps/0/pgWriter: a backup step with a fault runs no writer") != std::string::npos);
    BOOST_TEST(
        drillErrorOf(R"({"steps": [{"action": "pg-restore"}]})").find("/drill/steps/0: a restore needs a backup") !=
        std::string::npos);
}

BOOST_AUTO_TEST_CASE(point_in_time_steps_need_a_base_backup_the_marks_and_a_backup_after_them) {
    auto s = scenario::parseScenario(withDrill(R"({"steps": [{"action": "pg-seed"}, {"action": "backup"},
        {"action": "pg-pitr-mark"}, {"action": "backup"}, {"action": "pg-pitr-restore"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue());
    BOOST_REQUIRE(s.drill->steps.size() == 5u);
    BOOST_TEST((s.drill->steps[2].action == "pg-pitr-mark"));
    BOOST_TEST((s.drill->steps[4].action == "pg-pitr-restore"));
    BOOST_TEST(s.drill->steps[4].name == "5-pg-pitr-restore");
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "pg-pitr-mark"}]})")
                   .find("/drill/steps/0: pg-pitr-mark needs a backup step before it") != std::string::npos);
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup"}, {"action": "pg-pitr-restore"}]})")
                   .find("/drill/steps/1: pg-pitr-restore needs a pg-pitr-mark step before it") != std::string::npos);
    // Restoring from the base backup (before the marks) would prove nothing about the WAL.
    BOOST_TEST(drillErrorOf(R"({"steps": [{"action": "backup"}, {"action": "pg-pitr-mark"}, {"action": "backup"},
        {"action": "pg-pitr-restore", "snapshot": 1}]})")
                   .find("/drill/steps/3: pg-pitr-restore needs a backup step between pg-pitr-mark and it") !=
               std::string::npos);
    BOOST_TEST(
        drillErrorOf(R"({"steps": [{"action": "backup"}, {"action": "pg-pitr-mark"}, {"action": "pg-pitr-restore"}]})")
            .find("needs a backup step between pg-pitr-mark and it") != std::string::npos);
}

// Each family's parse-time rules (engine/steps), through the parser with the real catalogue.
BOOST_AUTO_TEST_CASE(each_familys_rules) {
    auto fails = [](const std::string& drill, const std::string& message) {
        auto e = drillErrorOf(drill);
        BOOST_TEST_INFO(drill << " -> " << e);
        BOOST_TEST(e.find(message) != std::string::npos);
    };
    // retention
    fails(R"({"steps": [{"action": "advance-clock", "days": 0}]})", "/drill/steps/0/days: must be between 1 and 3650");
    fails(R"({"steps": [{"action": "backup", "days": 2}]})",
          "/drill/steps/0/days: only applies to advance-clock steps");
    // repository
    fails(R"({"steps": [{"action": "verify-repository", "readDataSubset": 5}]})",
          "/drill/steps/0/readDataSubset: expected a string");
    // restore
    fails(R"({"steps": [{"action": "backup"}, {"action": "restore", "inPlace": "yes"}]})",
          "/drill/steps/1/inPlace: expected a boolean");
    fails(R"({"steps": [{"action": "mutate", "snapshot": 1}]})",
          "/drill/steps/0/snapshot: only applies to restore, pg-restore and pg-pitr-restore steps");
    // postgres
    fails(R"({"steps": [{"action": "pg-restore"}]})", "/drill/steps/0: a restore needs a backup step before it");
    // writers
    fails(R"({"steps": [{"action": "backup", "fileWriter": true}]})",
          "/drill/steps/0/fileWriter: the file writer belongs to ZFS drills");
    fails(R"({"zfs": {}, "steps": [{"action": "backup", "fileWriter": true,
              "fault": {"kind": "wrong-password", "expect": {"snapshot": false}}}]})",
          "/drill/steps/0/fileWriter: a backup step with a fault runs no writer");
    // zfs
    fails(R"({"zfs": {}, "steps": [{"action": "backup"}, {"action": "restore", "inPlace": true}]})",
          "/drill/steps/1/inPlace: in-place restores are not supported in ZFS drills");
    // faults, against the drill's settings
    fails(R"({"repositoryDiskMiB": 64, "steps": [{"action": "backup",
              "fault": {"kind": "power-loss", "expect": {"snapshot": false}}}]})",
          "/drill/steps/0/fault/kind: power-loss cannot be combined with /drill/repositoryDiskMiB");
    fails(
        R"({"steps": [{"action": "backup", "fault": {"kind": "repository-disk-full", "expect": {"snapshot": false}}}]})",
        "repository-disk-full needs a small repository disk");
    fails(R"({"steps": [{"action": "backup", "fault": {"kind": "zfs-pool-full", "expect": {"snapshot": false}}}]})",
          "zfs-pool-full needs a ZFS pool");
    fails(R"({"steps": [{"action": "backup", "fault": {"kind": "clock-jump", "expect": {"snapshot": true}}}]})",
          "/drill/steps/0/fault/days: clock-jump needs how many days");
    fails(R"({"steps": [{"action": "backup", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true}}}]})",
          "is injected by an inject step between steps");
    // a kind's own keys (clock-jump: days) belong to it alone; the list of keys is the union
    fails(
        R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "days": 3, "expect": {"snapshot": false}}}]})",
        "/drill/steps/0/fault/days: only applies to the clock-jump fault");
    fails(
        R"({"steps": [{"action": "backup", "fault": {"kind": "wrong-password", "hours": 3, "expect": {"snapshot": false}}}]})",
        "/drill/steps/0/fault/hours: unknown key (known: days, expect, kind)");
    fails(R"({"steps": [{"action": "backup", "fault": {"kind": "flood", "expect": {"snapshot": false}}}]})",
          "/drill/steps/0/fault/kind: unknown fault kind \"flood\" (known: wrong-password, repository-missing, "
          "pre-backup-hook-fails, bit-flip, delete-index, kill-mid-backup, power-loss, repository-disk-full, "
          "unit-refuses-to-stop, clock-jump, io-errors, zfs-stale-snapshot, zfs-pool-full)");
}

BOOST_AUTO_TEST_CASE(real_service_workloads) {
    auto d = scenario::parseScenario(withDrill(R"({"units": ["mariadb.service"], "steps": [
        {"action": "exec", "name": "seed", "command": "mariadb -e 'SELECT 1'", "expect": "1"},
        {"action": "backup", "writer": {"service": "shop", "command": "while :; do :; done", "progress": "echo 1"}},
        {"action": "check-service", "checks": [{"name": "rows", "command": "true", "expect": "x"}, {"command": "true"}]}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue())
                 .drill;
    BOOST_REQUIRE(d);
    BOOST_TEST(d->units == std::vector<std::string>{"mariadb.service"});
    BOOST_TEST(d->steps.at(0).action == "exec");
    BOOST_TEST(d->steps.at(1).params.at("writer").at("progress") == "echo 1");
    BOOST_TEST(d->steps.at(2).params.at("checks").size() == 2U);
}

BOOST_AUTO_TEST_CASE(real_service_workload_errors_name_the_pointer) {
    auto fails = [](const std::string& drill, const std::string& message) {
        auto e = drillErrorOf(drill);
        BOOST_TEST_INFO(drill << " -> " << e);
        BOOST_TEST(e.find(message) != std::string::npos);
    };
    fails(R"({"units": "mariadb.service", "steps": [{"action": "backup"}]})",
          "/drill/units: expected a list of service unit names");
    fails(R"({"units": ["mariadb"], "steps": [{"action": "backup"}]})",
          "/drill/units/0: expected a service unit name such as");
    fails(R"({"units": ["a.service; rm -rf /"], "steps": [{"action": "backup"}]})", "/drill/units/0: expected");
    fails(R"({"units": ["a.service", "a.service"], "steps": [{"action": "backup"}]})",
          "/drill/units/1: unit a.service is listed twice");
    fails(R"({"steps": [{"action": "exec"}]})", "/drill/steps/0/command: must be set");
    fails(R"({"steps": [{"action": "exec", "command": ""}]})", "/drill/steps/0/command: must not be empty");
    fails(R"({"steps": [{"action": "exec", "command": ["ls"]}]})", "/drill/steps/0/command: expected a string");
    fails(R"({"steps": [{"action": "backup", "command": "ls"}]})",
          "/drill/steps/0/command: only applies to exec steps");
    fails(R"({"steps": [{"action": "backup", "writer": "loop"}]})",
          "/drill/steps/0/writer: expected an object {service, command, progress}");
    fails(R"({"steps": [{"action": "backup", "writer": {"service": "s", "command": "c"}}]})",
          "/drill/steps/0/writer/progress: must be set");
    fails(R"({"steps": [{"action": "backup", "writer": {"service": "s", "command": "c", "progress": "p", "x": 1}}]})",
          "/drill/steps/0/writer/x: unknown key");
    fails(R"({"steps": [{"action": "backup", "writer": {"service": "s", "command": "c", "progress": "p"},
              "fault": {"kind": "wrong-password", "expect": {"snapshot": false}}}]})",
          "/drill/steps/0/writer: a backup step with a fault runs no writer");
    fails(R"({"steps": [{"action": "check-service", "checks": []}]})",
          "/drill/steps/0/checks: expected a non-empty list");
    fails(R"({"steps": [{"action": "check-service", "checks": [{"expect": "x"}]}]})",
          "/drill/steps/0/checks/0/command: must be set to a shell command");
    fails(R"({"steps": [{"action": "check-service", "checks": [{"command": "true", "expct": "x"}]}]})",
          "/drill/steps/0/checks/0/expct: unknown key");
}

BOOST_AUTO_TEST_CASE(audit_state_steps) {
    auto d = scenario::parseScenario(withDrill(R"({"steps": [
        {"action": "audit-state"},
        {"action": "audit-state", "name": "lenient", "allow": ["/var/lib/mysql", "/"], "severity": "warn"},
        {"action": "backup"}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue())
                 .drill;
    BOOST_REQUIRE(d);
    BOOST_TEST(d->steps.at(0).action == "audit-state");
    BOOST_TEST(d->steps.at(1).params.at("allow").size() == 2U);
    BOOST_TEST(d->steps.at(1).params.at("severity") == "warn");
}

BOOST_AUTO_TEST_CASE(audit_state_errors_name_the_pointer) {
    auto fails = [](const std::string& drill, const std::string& message) {
        auto e = drillErrorOf(drill);
        BOOST_TEST_INFO(drill << " -> " << e);
        BOOST_TEST(e.find(message) != std::string::npos);
    };
    fails(R"({"steps": [{"action": "audit-state", "allow": ["var/lib/mysql"]}]})",
          "/drill/steps/0/allow/0: 'var/lib/mysql' is relative: allow-list entries are absolute paths");
    fails(R"({"steps": [{"action": "audit-state", "allow": ["/var/lib/../etc"]}]})",
          "/drill/steps/0/allow/0: '/var/lib/../etc' is not normalised");
    fails(R"({"steps": [{"action": "audit-state", "allow": "/var/lib"}]})",
          "/drill/steps/0/allow: expected a list of absolute paths");
    fails(R"({"steps": [{"action": "audit-state", "allow": [1]}]})",
          "/drill/steps/0/allow/0: expected an absolute path");
    fails(R"({"steps": [{"action": "audit-state", "severity": "loud"}]})",
          "/drill/steps/0/severity: must be \"fail\" or \"warn\", not \"loud\"");
    fails(R"({"steps": [{"action": "backup"}, {"action": "audit-state"}]})",
          "/drill/steps/1: audit-state must come before the first backup step");
    fails(R"({"steps": [{"action": "backup", "allow": ["/x"]}]})",
          "/drill/steps/0/allow: only applies to audit-state steps");
}

BOOST_AUTO_TEST_CASE(podman_containers_and_container_steps) {
    auto d = scenario::parseScenario(withDrill(R"({"podman": {
        "web": {"cmd": ["httpd", "-f"], "volumes": ["web-site:/srv", "web-conf:/etc/web"],
                "http": {"port": 8081, "volume": "web-site"}},
        "worker": {"cmd": ["sleep", "infinity"]}},
      "steps": [{"action": "container-backup"},
                {"action": "container-backup", "container": "site", "containerFault": "destination-full", "destination": 1},
                {"action": "container-restore", "archive": 2, "destination": 0}]})"),
                                     "d.json", "g", nixdrill::engine::steps::catalogue())
                 .drill;
    BOOST_REQUIRE(d);
    BOOST_REQUIRE_EQUAL(d->podman.size(), 2U);
    const auto& web = d->podman[0];
    BOOST_TEST(web.name == "web");
    BOOST_TEST(web.unit() == "podman-web.service");
    BOOST_TEST(web.volumes.at(1).first == "web-conf");
    BOOST_TEST(web.volumes.at(1).second == "/etc/web");
    BOOST_TEST(web.httpPort == 8081U);
    BOOST_TEST(web.httpVolume == "web-site");
    BOOST_TEST(d->podman[1].httpPort == 0U);
    BOOST_TEST(d->steps.at(2).params.at("archive") == 2);
}

BOOST_AUTO_TEST_CASE(podman_and_container_step_errors_name_the_pointer) {
    auto fails = [](const std::string& drill, const std::string& message) {
        auto e = drillErrorOf(drill);
        BOOST_TEST_INFO(drill << " -> " << e);
        BOOST_TEST(e.find(message) != std::string::npos);
    };
    const std::string steps = R"(, "steps": [{"action": "container-backup"}]})";
    fails(R"({"podman": {"Web": {"cmd": ["x"]}})" + steps, "/drill/podman/Web: container name \"Web\" must match");
    fails(R"({"podman": {"web": {"cmd": []}})" + steps, "/drill/podman/web/cmd: expected the container's command");
    fails(R"({"podman": {"web": {"cmd": ["x"], "volumes": ["/srv:/srv"]}})" + steps,
          "/drill/podman/web/volumes/0: expected \"volume:/mount/point\" (a named volume)");
    fails(R"({"podman": {"web": {"cmd": ["x"], "volumes": ["a:/x"]}, "db": {"cmd": ["y"], "volumes": ["a:/y"]}})" +
              steps,
          "volume a is mounted twice");
    fails(R"({"podman": {"web": {"cmd": ["x"], "volumes": ["a:/x"], "http": {"port": 80, "volume": "a"}}})" + steps,
          "/drill/podman/web/http/port: must be between 1024 and 65535, got 80");
    fails(R"({"podman": {"web": {"cmd": ["x"], "volumes": ["a:/x"], "http": {"port": 8080, "volume": "b"}}})" + steps,
          "/drill/podman/web/http/volume: \"b\" is not one of the container's volumes");
    fails(R"({"guest": "nixos", "podman": {"web": {"cmd": ["x"]}})" + steps,
          "/drill/podman: podman containers need the Debian guest");
    fails(R"({"steps": [{"action": "container-restore"}]})",
          "/drill/steps/0: a container restore needs a container-backup step before it");
    fails(R"({"steps": [{"action": "container-backup"}, {"action": "container-restore", "archive": 2}]})",
          "/drill/steps/1/archive: expected \"latest\" or the number (1-1) of a container-backup step");
    fails(R"({"steps": [{"action": "container-backup", "containerFault": "destination-full"}]})",
          "/drill/steps/0/container: a container fault acts on one container backup: name it");
    fails(R"({"steps": [{"action": "container-backup", "container": "a", "containerFault": "engine-on-fire"}]})",
          "/drill/steps/0/containerFault: unknown container fault \"engine-on-fire\" (known: destination-full, "
          "stop-refused)");
    fails(R"({"steps": [{"action": "container-backup", "destination": 1}]})",
          "/drill/steps/0/destination: only a destination-full fault takes a destination");
    fails(R"({"steps": [{"action": "backup", "containerFault": "stop-refused"}]})",
          "/drill/steps/0/containerFault: only applies to container-backup steps");
}

BOOST_AUTO_TEST_CASE(a_drill_of_container_backups_alone_needs_no_backup_section) {
    auto doc = R"({"format": "nixdrill-scenario/1", "services": {}, "containers": {},
                   "drill": {"steps": [{"action": "container-backup"}]}})";
    BOOST_TEST(scenario::parseScenario(doc, "d.json", "g", nixdrill::engine::steps::catalogue()).drill.has_value());
    try {
        scenario::parseScenario(
            R"({"format": "nixdrill-scenario/1", "services": {}, "drill": {"steps": [{"action": "backup"}]}})",
            "d.json", "g", nixdrill::engine::steps::catalogue());
        BOOST_FAIL("a drill without /backup and /containers was accepted");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("the scenario needs /backup or /containers settings") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
