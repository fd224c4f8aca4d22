///@file `--shard K/N`: a deterministic partition of a run's scenarios, balanced by recorded durations.
#pragma once

#include "model/result.hpp"
#include "model/scenario.hpp"

#include <map>
#include <string>
#include <vector>

namespace nixdrill::engine {

/// Shard `index` (1-based) of `count`.
struct Shard {
    unsigned index = 1;
    unsigned count = 1;
};

/// Most shards a run is cut into.
inline constexpr unsigned maxShards = 1000;

/// "K/N" with 1 <= K <= N <= maxShards.
/// @throws util::InputError saying what is wrong ("--shard 3/2: ...").
Shard parseShard(const std::string& text);

/// Seconds each scenario took in a stored run: its cases' durations added up, by scenario name.
std::map<std::string, double> recordedDurations(const model::RunResult& run);

/// What a scenario is expected to cost: its recorded duration, else an estimate by shape (a
/// drill 60 s plus 10 s per step, an evaluation alone 1 s).
double expectedSeconds(const model::Scenario& scenario, const std::map<std::string, double>& durations);

/// Which shard (0-based) each scenario goes to. Mutants (`NAME~ID`) stay with NAME, whose verdict
/// they need. Longest first onto the least loaded shard (ties: by name, then the lowest shard),
/// so every runner computes the same partition from the same inputs.
std::vector<unsigned> assignShards(const std::vector<model::Scenario>& scenarios, unsigned count,
                                   const std::map<std::string, double>& durations);

/// Keeps the scenarios of `shard`, in their order; returns the expected seconds of each shard.
std::vector<double> keepShard(std::vector<model::Scenario>& scenarios, Shard shard,
                              const std::map<std::string, double>& durations);

} // namespace nixdrill::engine
