///@file The worked example of docs/architecture.md: a step kind added by one family, with no
/// change to the parser; the parser then knows it, its key and its rules.
#include "engine/drill/context.hpp"
#include "engine/steps/registry.hpp"
#include "scenario/drill_parser.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;
using namespace nixdrill::engine;

namespace {

class Sync final : public drill::StepFamily {
public:
    std::string_view name() const override { return "sync"; }
    std::vector<std::string> actions() const override { return {"sync-disks"}; }
    std::vector<std::string> keysOf(const std::string& a) const override {
        return a == "sync-disks" ? std::vector<std::string>{"passes"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action == "sync-disks") {
            (void)in.reader.number(in.json, in.pointer, "passes", 1, 1, 10);
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "sync-disks"; }
    void run(drill::DrillContext& ctx, const model::DrillStep& step) override {
        auto passes = step.params.value("passes", 1u);
        for (unsigned i = 0; i < passes; ++i) {
            ctx.client().must("sync");
        }
        ctx.note("flushed the client's page cache " + std::to_string(passes) + " time(s)");
    }
};

// The shipped catalogue plus the new family: what registering it in steps/registry.cpp gives.
const scenario::StepCatalogue& withSync() {
    static Sync sync;
    static scenario::StepCatalogue c = [] {
        auto out = steps::catalogue();
        out.push_back(&sync);
        return out;
    }();
    return c;
}

model::Drill parse(const std::string& drill, const scenario::StepCatalogue& catalogue) {
    return scenario::parseDrill(nlohmann::ordered_json::parse(drill), "d.json", catalogue);
}

std::string errorOf(const std::string& drill, const scenario::StepCatalogue& catalogue) {
    try {
        parse(drill, catalogue);
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "";
}

} // namespace

BOOST_AUTO_TEST_CASE(the_new_kind_parses_once_its_family_is_registered) {
    const std::string drill = R"({"steps": [{"action": "backup"}, {"action": "sync-disks", "passes": 2}]})";
    BOOST_TEST(errorOf(R"({"steps": [{"action": "sync-disks"}]})", steps::catalogue())
                   .find("/drill/steps/0/action: unknown action \"sync-disks\"") != std::string::npos);
    BOOST_TEST(errorOf(drill, steps::catalogue()).find("/drill/steps/1/passes: unknown key") != std::string::npos);
    auto d = parse(drill, withSync());
    BOOST_REQUIRE(d.steps.size() == 2u);
    BOOST_TEST(d.steps[1].action == "sync-disks");
    BOOST_TEST(d.steps[1].name == "2-sync-disks");
    BOOST_TEST(d.steps[1].params.value("passes", 0u) == 2u);
}

BOOST_AUTO_TEST_CASE(its_key_and_rules_are_the_parsers_from_then_on) {
    BOOST_TEST(errorOf(R"({"steps": [{"action": "sync-disks", "passes": 11}]})", withSync())
                   .find("/drill/steps/0/passes: must be between 1 and 10") != std::string::npos);
    BOOST_TEST(errorOf(R"({"steps": [{"action": "mutate", "passes": 1}]})", withSync())
                   .find("/drill/steps/0/passes: only applies to sync-disks steps") != std::string::npos);
    BOOST_TEST(errorOf(R"({"steps": [{"action": "explode"}]})", withSync())
                   .find("pg-pitr-restore, exec, audit-state, container-backup, container-restore, sync-disks)") !=
               std::string::npos);
    BOOST_TEST(errorOf(R"({"steps": [{"action": "sync-disks", "retries": 1}]})", withSync())
                   .find("/drill/steps/0/retries: only restore, verify-repository, check-metrics and container-restore "
                         "steps may be retried") != std::string::npos);
}
