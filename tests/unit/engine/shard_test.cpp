///@file --shard K/N: parsing, a balanced deterministic partition, mutants kept with their scenario.
#include "engine/shard.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <numeric>
#include <set>

using namespace nixdrill;

namespace {

model::Scenario drillScenario(const std::string& name, std::size_t drillSteps) {
    model::Scenario s;
    s.name = name;
    if (drillSteps > 0) {
        s.drill.emplace();
        s.drill->steps.resize(drillSteps);
    }
    return s;
}

std::string shardMessage(const std::string& text) {
    try {
        engine::parseShard(text);
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<std::string> shardNames(const std::vector<model::Scenario>& scenarios) {
    std::vector<std::string> out;
    for (const auto& s : scenarios) {
        out.push_back(s.name);
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard)

BOOST_AUTO_TEST_CASE(parses_k_of_n_and_rejects_the_rest) {
    auto s = engine::parseShard("2/3");
    BOOST_TEST(s.index == 2u);
    BOOST_TEST(s.count == 3u);
    BOOST_TEST(engine::parseShard("1/1").count == 1u);
    BOOST_TEST(shardMessage("3/2").find("K must be from 1 to N (2), got 3") != std::string::npos, shardMessage("3/2"));
    BOOST_TEST(shardMessage("0/0").find("N must be from 1 to 1000, got 0") != std::string::npos, shardMessage("0/0"));
    BOOST_TEST(shardMessage("0/2").find("K must be from 1 to N (2), got 0") != std::string::npos);
    BOOST_TEST(shardMessage("1/1001").find("N must be from 1 to 1000") != std::string::npos);
    for (const auto* bad : {"2", "", "/", "1/", "/2", "a/2", "1/b", "-1/2", "1/+2", "1/2/3", " 1/2", "1.0/2"}) {
        BOOST_TEST(shardMessage(bad).find("--shard " + std::string(bad) + ": ") == 0u,
                   bad << ": " << shardMessage(bad));
    }
}

BOOST_AUTO_TEST_CASE(the_shards_are_a_partition_in_scenario_order) {
    std::vector<model::Scenario> all;
    for (int i = 0; i < 23; ++i) {
        all.push_back(drillScenario("s" + std::to_string(i), i % 3 == 0 ? 0 : static_cast<std::size_t>(i % 5 + 1)));
    }
    for (unsigned n : {1u, 2u, 3u, 7u, 30u}) {
        std::multiset<std::string> seen;
        for (unsigned k = 1; k <= n; ++k) {
            auto part = all;
            engine::keepShard(part, {k, n}, {});
            auto names = shardNames(part);
            // In the order of the whole list.
            std::vector<std::string> expectedOrder;
            for (const auto& s : all) {
                if (std::find(names.begin(), names.end(), s.name) != names.end()) {
                    expectedOrder.push_back(s.name);
                }
            }
            BOOST_TEST(names == expectedOrder);
            seen.insert(names.begin(), names.end());
        }
        BOOST_TEST(seen.size() == all.size(), "N = " << n);
        for (const auto& s : all) {
            BOOST_TEST(seen.count(s.name) == 1u, s.name << " in N = " << n);
        }
    }
}

BOOST_AUTO_TEST_CASE(balanced_by_recorded_durations_and_deterministic) {
    std::vector<model::Scenario> all{drillScenario("a", 3), drillScenario("b", 3), drillScenario("c", 3),
                                     drillScenario("d", 3), drillScenario("e", 3)};
    std::map<std::string, double> durations{{"a", 400}, {"b", 300}, {"c", 200}, {"d", 100}, {"e", 100}};
    // Longest first onto the least loaded: a -> 1; b -> 2; c -> 2 (500); d -> 1 (500); e -> 1 or 2
    // (tie: the lowest) -> 1.
    auto assigned = engine::assignShards(all, 2, durations);
    BOOST_TEST((assigned == std::vector<unsigned>{0, 1, 1, 0, 0}));
    auto part = all;
    auto load = engine::keepShard(part, {2, 2}, durations);
    BOOST_TEST((shardNames(part) == std::vector<std::string>{"b", "c"}));
    BOOST_TEST((load == std::vector<double>{600, 500}));
    // The same inputs in another order give the same partition (by name on equal costs).
    std::vector<model::Scenario> reversed(all.rbegin(), all.rend());
    auto again = engine::assignShards(reversed, 2, durations);
    for (std::size_t i = 0; i < all.size(); ++i) {
        BOOST_TEST(again[all.size() - 1 - i] == assigned[i]);
    }
    // Without durations: a drill counts 60 s + 10 s per step, an evaluation alone 1 s.
    BOOST_TEST(engine::expectedSeconds(drillScenario("x", 4), {}) == 100.0);
    BOOST_TEST(engine::expectedSeconds(drillScenario("x", 0), {}) == 1.0);
    BOOST_TEST(engine::expectedSeconds(drillScenario("x", 4), {{"x", 7.5}}) == 7.5);
}

BOOST_AUTO_TEST_CASE(mutants_stay_with_their_scenario) {
    std::vector<model::Scenario> all{drillScenario("m", 3), drillScenario("m~drop-preBackup.a", 3),
                                     drillScenario("m~exclude-data.a", 3), drillScenario("n", 3),
                                     drillScenario("m@bit-flip", 3)};
    for (unsigned n : {2u, 3u, 4u}) {
        auto assigned = engine::assignShards(all, n, {});
        BOOST_TEST(assigned[1] == assigned[0]);
        BOOST_TEST(assigned[2] == assigned[0]);
    }
    // A fault variant is a drill of its own: it may go elsewhere.
    auto assigned = engine::assignShards(all, 3, {});
    BOOST_TEST(assigned[4] != assigned[0]);
}

BOOST_AUTO_TEST_CASE(recorded_durations_add_up_a_scenarios_cases) {
    model::RunResult run;
    model::SuiteResult suite;
    for (auto [s, d] : std::vector<std::pair<std::string, double>>{{"a", 1.5}, {"a", 2}, {"b", 4}, {"", 9}}) {
        model::CaseResult c;
        c.scenario = s;
        c.durationSeconds = d;
        suite.cases.push_back(c);
    }
    run.suites.push_back(suite);
    auto d = engine::recordedDurations(run);
    BOOST_TEST(d.size() == 2u);
    BOOST_TEST(d["a"] == 3.5);
    BOOST_TEST(d["b"] == 4.0);
}

BOOST_AUTO_TEST_SUITE_END()
