///@file Tests of the fault catalogue: every kind once, found by name, and each kind's own
/// declarations consistent with what the drill engine does with them.
#include "../support/scripted_guest.hpp"
#include "faults/kind.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>

using namespace nixdrill;

namespace {

/// Whether any outcome is declared: a fault with none would pass whatever happened.
bool declaresSomething(const model::FaultExpect& e) {
    return e.category || e.status || e.lastSuccess || e.unitsRunning || e.snapshot || e.repositoryUnchanged ||
           e.checkDetects || e.restoreFails || e.lockLeft || e.retentionHolds;
}

/// Whether only the outcomes a backup step's fault can have are declared (not check/restore).
bool backupOutcomesOnly(const model::FaultExpect& e) {
    return !e.checkDetects && !e.restoreFails;
}

} // namespace

BOOST_AUTO_TEST_SUITE(faults_catalogue)

BOOST_AUTO_TEST_CASE(every_kind_once_by_its_name) {
    const auto& all = faults::faultKinds();
    BOOST_TEST(all.size() == 13u);
    std::set<std::string> names;
    for (const auto* k : all) {
        std::string name(k->name());
        BOOST_TEST(std::regex_match(name, std::regex("[a-z]+(-[a-z]+)*")), name);
        BOOST_TEST(faults::faultKindNamed(name) == k);
        BOOST_TEST(faults::knownFaultKinds().find(name) != std::string::npos);
        names.insert(name);
    }
    BOOST_TEST(names.size() == all.size());
    BOOST_TEST(faults::faultKindNamed("flood") == nullptr);
    BOOST_CHECK_THROW(faults::kindOf(model::Fault{"flood", {}, 0}), util::InputError);
}

BOOST_AUTO_TEST_CASE(each_kinds_default_outcome_is_one_its_step_can_judge) {
    for (const auto* k : faults::faultKinds()) {
        auto e = k->defaultExpectation();
        BOOST_TEST(declaresSomething(e), k->name());
        // A backup step judges metrics, units, snapshots; an inject step check and restore.
        BOOST_TEST(backupOutcomesOnly(e) == k->duringBackup(), k->name());
    }
    // The checks themselves can fail: nothing declared, or an inject outcome on a backup.
    BOOST_TEST(!declaresSomething(model::FaultExpect{}));
    model::FaultExpect detect;
    detect.checkDetects = true;
    BOOST_TEST(!backupOutcomesOnly(detect));
}

BOOST_AUTO_TEST_CASE(only_backup_faults_act_on_the_job_or_hide_its_data) {
    for (const auto* k : faults::faultKinds()) {
        if (!k->duringBackup()) {
            BOOST_TEST((k->jobEffect() == faults::JobEffect::None), k->name());
            BOOST_TEST(!k->hidesData(), k->name());
            BOOST_TEST(!k->perJob(), k->name()); // a repository's corruption, not a job's run
        }
    }
    BOOST_TEST((faults::faultKindNamed("kill-mid-backup")->jobEffect() == faults::JobEffect::Kill));
    BOOST_TEST((faults::faultKindNamed("power-loss")->jobEffect() == faults::JobEffect::PowerCut));
    BOOST_TEST(faults::faultKindNamed("io-errors")->hidesData());
}

BOOST_AUTO_TEST_CASE(an_unknown_kind_injects_nothing) {
    test::ScriptedGuest g;
    faults::Target target{"/var/lib/repo", "/run/keys/pw", "/srv/data", "", "app", ""};
    BOOST_CHECK_THROW(faults::inject(g, model::Fault{"flood", {}, 0}, target, 1, "", std::chrono::milliseconds(1000)),
                      util::InputError);
    BOOST_TEST(g.commands.empty());
}

BOOST_AUTO_TEST_CASE(a_kind_plans_its_variant_around_itself) {
    model::Fault fault{"bit-flip", {}, 0};
    model::Drill d;
    faults::faultKindNamed("bit-flip")->planVariant(d, fault, 1);
    BOOST_REQUIRE_EQUAL(d.steps.size(), 2u);
    BOOST_TEST(d.steps[1].action == "inject");
    BOOST_TEST(d.steps[1].name == "2-fault-bit-flip");
    model::Drill jump;
    faults::faultKindNamed("clock-jump")->planVariant(jump, model::Fault{"clock-jump", {}, 0}, 1);
    BOOST_REQUIRE_EQUAL(jump.steps.size(), 5u);
    BOOST_TEST(jump.steps[3].fault->days == 120u);
}

BOOST_AUTO_TEST_SUITE_END()
