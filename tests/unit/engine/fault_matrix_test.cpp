///@file Tests of the fault matrix: which kinds apply, the steps and expectations of a variant.
#include "engine/fault_matrix.hpp"
#include "engine/steps/registry.hpp"
#include "faults/kind.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <set>

using namespace nixdrill;

namespace {

model::Scenario drillScenario(const std::string& services) {
    return scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": )" + services + R"(,
      "backup": {"enable": true, "restic": {"repositories": {"local": {"url": "/var/lib/r",
                 "passwordFile": "/run/keys/pw", "primary": true}}}},
      "drill": {"seed": 4, "steps": [{"action": "backup"}, {"action": "restore"}]}})",
                                   "x.json", "g", nixdrill::engine::steps::catalogue());
}

const std::string oneService = R"({"notes": {"enable": true, "dataDir": "/var/lib/notes",
    "preBackup": "test ! -e /run/nixdrill-fault/pre-backup-hook-fails"}})";

} // namespace

BOOST_AUTO_TEST_SUITE(engine_fault_matrix)

BOOST_AUTO_TEST_CASE(fault_lists_are_parsed_and_unknown_kinds_refused) {
    BOOST_TEST(engine::parseFaultList("all").size() == 13u);
    auto two = engine::parseFaultList("bit-flip,kill-mid-backup,bit-flip");
    BOOST_TEST(two.size() == 2u);
    BOOST_TEST((two[0] == "bit-flip" && two[1] == "kill-mid-backup"));
    BOOST_CHECK_THROW(engine::parseFaultList("bit-flop"), util::InputError);
    BOOST_CHECK_THROW(engine::parseFaultList(""), util::InputError);
    // "all" is the catalogue, in its order.
    auto all = engine::parseFaultList("all");
    BOOST_TEST(all.front() == "wrong-password");
    BOOST_TEST(all.back() == "zfs-pool-full");
    BOOST_CHECK_THROW(engine::faultMatrix(drillScenario(oneService), {"bit-flop"}), util::InputError);
}

BOOST_AUTO_TEST_CASE(a_single_service_scenario_gets_every_kind) {
    auto m = engine::faultMatrix(drillScenario(oneService), engine::parseFaultList("all"));
    BOOST_TEST(m.variants.size() == 11u);
    // The ZFS kinds need a pool and a snapshot job.
    BOOST_REQUIRE_EQUAL(m.notApplicable.size(), 2u);
    BOOST_TEST(m.notApplicable[0].find("zfs-stale-snapshot: needs a ZFS pool") == 0u);
    std::set<std::string> names;
    for (const auto& v : m.variants) {
        names.insert(v.name);
        BOOST_TEST(v.name.rfind("x@", 0) == 0);
        BOOST_TEST(v.drill->seed == 4u); // the scenario's own seed: a failing variant re-runs exactly
        BOOST_TEST(!v.expect.has_value());
    }
    BOOST_TEST(names.size() == 11u); // unique names
}

BOOST_AUTO_TEST_CASE(a_drill_of_container_backups_alone_gets_no_restic_fault) {
    auto s = scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": {}, "containers": {},
      "drill": {"steps": [{"action": "container-backup"}]}})",
                                     "c.json", "g", nixdrill::engine::steps::catalogue());
    auto m = engine::faultMatrix(s, engine::parseFaultList("all"));
    BOOST_TEST(m.variants.empty());
    BOOST_REQUIRE_EQUAL(m.notApplicable.size(), 13u);
    BOOST_TEST(m.notApplicable[0].find("wrong-password: acts on restic jobs; the scenario has none") == 0u,
               m.notApplicable[0]);
}

BOOST_AUTO_TEST_CASE(a_backup_fault_sits_between_good_backups_and_restores_around_it) {
    auto m = engine::faultMatrix(drillScenario(oneService), {"kill-mid-backup"});
    BOOST_REQUIRE_EQUAL(m.variants.size(), 1u);
    const auto& steps = m.variants[0].drill->steps;
    BOOST_REQUIRE_EQUAL(steps.size(), 8u);
    BOOST_TEST((steps[2].action == "backup" && steps[2].fault.has_value()));
    BOOST_TEST(steps[2].name == "3-fault-kill-mid-backup");
    BOOST_TEST((steps[4].action == "backup" && !steps[4].fault.has_value()));
    BOOST_TEST(steps[6].snapshot == "1");
    const auto& e = steps[2].fault->expect;
    BOOST_TEST(*e.category == "killed");
    BOOST_TEST(*e.lockLeft);
    BOOST_TEST(!*e.snapshot);
}

BOOST_AUTO_TEST_CASE(disk_full_gets_a_repository_disk_and_clock_jump_its_days) {
    auto m = engine::faultMatrix(drillScenario(oneService), {"repository-disk-full", "clock-jump"});
    BOOST_REQUIRE_EQUAL(m.variants.size(), 2u);
    BOOST_TEST(m.variants[0].drill->repositoryDiskMiB >= 24u);
    BOOST_TEST(*m.variants[0].drill->steps[2].fault->expect.category == "storage");
    const auto& jump = m.variants[1].drill->steps[3];
    BOOST_TEST(jump.fault->days == 120u);
    BOOST_TEST(*jump.fault->expect.retentionHolds);
}

BOOST_AUTO_TEST_CASE(per_job_faults_need_one_service_and_the_hook_its_marker) {
    auto m = engine::faultMatrix(
        drillScenario(R"({"a": {"enable": true, "dataDir": "/a"}, "b": {"enable": true, "dataDir": "/b"}})"),
        engine::parseFaultList("all"));
    std::set<std::string> kinds;
    for (const auto& v : m.variants) {
        for (const auto& s : v.drill->steps) {
            if (s.fault) {
                kinds.insert(s.fault->kind);
            }
        }
    }
    BOOST_TEST((kinds == std::set<std::string>{"wrong-password", "repository-missing", "bit-flip", "delete-index"}));
    BOOST_TEST(m.notApplicable.size() == 9u);
    auto noHook =
        engine::faultMatrix(drillScenario(R"({"a": {"enable": true, "dataDir": "/a"}})"), {"pre-backup-hook-fails"});
    BOOST_TEST(noHook.variants.empty());
    BOOST_REQUIRE_EQUAL(noHook.notApplicable.size(), 1u);
    BOOST_TEST(noHook.notApplicable[0].find("preBackup") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(zfs_faults_apply_to_a_snapshot_job_on_a_pool) {
    auto s = scenario::parseScenario(R"({"format": "nixdrill-scenario/1",
      "services": {"app": {"enable": true, "backupPaths": ["/tank/app/data"],
                           "backup": {"useSnapshots": true, "zfsDataset": "tank/app"}}},
      "backup": {"enable": true, "restic": {"repositories": {"local": {"url": "/var/lib/r",
                 "passwordFile": "/run/keys/pw", "primary": true}}}},
      "drill": {"seed": 4, "zfs": {"pool": "tank", "datasets": ["tank/app"]},
                "steps": [{"action": "backup"}, {"action": "restore"}]}})",
                                     "z.json", "g", nixdrill::engine::steps::catalogue());
    auto m = engine::faultMatrix(s, {"zfs-stale-snapshot", "zfs-pool-full"});
    BOOST_REQUIRE_EQUAL(m.variants.size(), 2u);
    BOOST_TEST(m.notApplicable.empty());
    const auto& stale = m.variants[0].drill->steps[2];
    BOOST_TEST(stale.name == "3-fault-zfs-stale-snapshot");
    BOOST_TEST(*stale.fault->expect.category == "ok");
    BOOST_TEST(*stale.fault->expect.snapshot);
    BOOST_TEST(m.variants[1].drill->zfs.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
