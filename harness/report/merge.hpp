///@file Stored runs of one suite's shards merged into one run (`nixdrill report --from a --from b`).
#pragma once

#include "model/result.hpp"

#include <string>
#include <vector>

namespace nixdrill::report {

/// A stored run and what to call it in messages (its file).
struct NamedRun {
    std::string name;
    model::RunResult run;
};

/// One run holding every case of `runs`, as if one runner had run them all: suites of the same
/// name are joined (an evaluation group can be split across shards), in first-seen order; the
/// start is the earliest, the duration the longest (shards run side by side); properties that
/// agree are kept, ones that differ hold each run's value joined by " | " in order, and
/// `merge.runs` lists the runs' ids.
/// @throws util::InputError listing every scenario found in more than one run (the shards of one
/// partition never overlap), or runs of different commands.
model::RunResult mergeRuns(const std::vector<NamedRun>& runs);

} // namespace nixdrill::report
