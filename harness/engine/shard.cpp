///@file `--shard K/N`: a deterministic partition of a run's scenarios, balanced by recorded durations.
#include "engine/shard.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <numeric>

namespace nixdrill::engine {

namespace {

/// Mutants are judged next to their scenario: the group is the name up to '~'.
std::string groupOf(const std::string& name) {
    return name.substr(0, name.find('~'));
}

} // namespace

Shard parseShard(const std::string& text) {
    auto what = "--shard " + text + ": ";
    auto slash = text.find('/');
    if (slash == std::string::npos) {
        throw util::InputError(what + "expected K/N (this runner's shard K of N, 1 <= K <= N)");
    }
    auto k = util::wholeNumber<unsigned>(std::string_view(text).substr(0, slash));
    auto n = util::wholeNumber<unsigned>(std::string_view(text).substr(slash + 1));
    if (!k || !n) {
        throw util::InputError(what + "K and N must be whole numbers (K/N, 1 <= K <= N)");
    }
    if (*n == 0 || *n > maxShards) {
        throw util::InputError(what + "N must be from 1 to " + std::to_string(maxShards) + ", got " +
                               std::to_string(*n));
    }
    if (*k == 0 || *k > *n) {
        throw util::InputError(what + "K must be from 1 to N (" + std::to_string(*n) + "), got " + std::to_string(*k));
    }
    return {*k, *n};
}

std::map<std::string, double> recordedDurations(const model::RunResult& run) {
    std::map<std::string, double> out;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            if (!c.scenario.empty()) {
                out[c.scenario] += c.durationSeconds;
            }
        }
    }
    return out;
}

double expectedSeconds(const model::Scenario& scenario, const std::map<std::string, double>& durations) {
    if (auto it = durations.find(scenario.name); it != durations.end()) {
        return it->second;
    }
    return scenario.drill ? 60.0 + 10.0 * static_cast<double>(scenario.drill->steps.size()) : 1.0;
}

std::vector<unsigned> assignShards(const std::vector<model::Scenario>& scenarios, unsigned count,
                                   const std::map<std::string, double>& durations) {
    // Groups in first-seen order, with their cost.
    std::vector<std::string> groups;
    std::map<std::string, double> cost;
    for (const auto& s : scenarios) {
        auto g = groupOf(s.name);
        if (cost.find(g) == cost.end()) {
            groups.push_back(g);
        }
        cost[g] += expectedSeconds(s, durations);
    }
    std::vector<std::size_t> order(groups.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        double ca = cost[groups[a]], cb = cost[groups[b]];
        return ca != cb ? ca > cb : groups[a] < groups[b];
    });
    std::vector<double> load(count, 0.0);
    std::map<std::string, unsigned> shardOfGroup;
    for (auto i : order) {
        auto least = static_cast<unsigned>(std::min_element(load.begin(), load.end()) - load.begin());
        load[least] += cost[groups[i]];
        shardOfGroup[groups[i]] = least;
    }
    std::vector<unsigned> out;
    out.reserve(scenarios.size());
    for (const auto& s : scenarios) {
        out.push_back(shardOfGroup[groupOf(s.name)]);
    }
    return out;
}

std::vector<double> keepShard(std::vector<model::Scenario>& scenarios, Shard shard,
                              const std::map<std::string, double>& durations) {
    auto assigned = assignShards(scenarios, shard.count, durations);
    std::vector<double> load(shard.count, 0.0);
    std::vector<model::Scenario> kept;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        load[assigned[i]] += expectedSeconds(scenarios[i], durations);
        if (assigned[i] == shard.index - 1) {
            kept.push_back(std::move(scenarios[i]));
        }
    }
    scenarios = std::move(kept);
    return load;
}

} // namespace nixdrill::engine
