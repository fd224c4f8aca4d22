///@file The registry: every step a drill can have is run by exactly one family, under the case
/// kind the reports group it by.
#include "engine/steps/registry.hpp"
#include "scenario/drill_parser.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace nixdrill;

namespace {

// One step of every action the parser knows, and a backup and an inject step with faults.
model::Drill everyStep() {
    return scenario::parseDrill(nlohmann::ordered_json::parse(R"({"zfs": {"datasets": ["tank/a"]}, "steps": [
        {"action": "backup"}, {"action": "mutate"}, {"action": "damage"}, {"action": "restore"},
        {"action": "verify-repository"}, {"action": "check-metrics"}, {"action": "advance-clock"},
        {"action": "pg-seed"}, {"action": "pg-drop"}, {"action": "pg-restore"}, {"action": "pg-dump-fails"},
        {"action": "pg-pitr-mark"}, {"action": "backup"}, {"action": "pg-pitr-restore"},
        {"action": "backup", "fault": {"kind": "wrong-password", "expect": {"snapshot": false}}},
        {"action": "inject", "fault": {"kind": "bit-flip", "expect": {"checkDetects": true}}}]})"),
                                "unit.json", nixdrill::engine::steps::catalogue());
}

} // namespace

BOOST_AUTO_TEST_CASE(every_step_is_run_by_exactly_one_family) {
    auto families = engine::steps::drillFamilies();
    for (const auto& step : everyStep().steps) {
        int owners = 0;
        for (const auto& f : families) {
            owners += f->runs(step) ? 1 : 0;
        }
        BOOST_TEST(owners == 1, step.name << " is run by " << owners << " families");
    }
}

BOOST_AUTO_TEST_CASE(case_kinds_name_the_action_or_the_fault_kind) {
    auto families = engine::steps::drillFamilies();
    auto drill = everyStep();
    std::vector<std::string> kinds;
    for (const auto& step : drill.steps) {
        auto* f = engine::steps::familyFor(families, step);
        BOOST_REQUIRE(f != nullptr);
        kinds.push_back(f->caseKind(step));
    }
    BOOST_TEST(kinds.front() == "drill:backup");
    BOOST_TEST(kinds[7] == "drill:pg-seed");
    BOOST_TEST(kinds[kinds.size() - 2] == "drill:fault:wrong-password");
    BOOST_TEST(kinds.back() == "drill:fault:bit-flip");
}

BOOST_AUTO_TEST_CASE(families_have_distinct_names_and_provisioning_comes_first) {
    auto families = engine::steps::drillFamilies();
    std::set<std::string> names;
    for (const auto& f : families) {
        BOOST_TEST(names.insert(std::string(f->name())).second, f->name() << " registered twice");
    }
    BOOST_TEST(families.front()->name() == "provision");
    // Around a backup: PostgreSQL's writers start before ZFS counts snapshots, the file
    // writers last (the order the drills were measured with).
    auto at = [&](std::string_view n) {
        for (std::size_t i = 0; i < families.size(); ++i) {
            if (families[i]->name() == n) {
                return i;
            }
        }
        return families.size();
    };
    BOOST_TEST(at("postgres") < at("zfs"));
    BOOST_TEST(at("zfs") < at("writers"));
}
