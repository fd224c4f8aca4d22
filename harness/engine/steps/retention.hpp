///@file The retention check a faulted backup declares (retentionHolds): the repository's
/// snapshots against the harness's own model of the job's forget policy.
#pragma once

#include "engine/drill/context.hpp"
#include "verify/restic.hpp"

#include <functional>
#include <string>
#include <vector>

namespace nixdrill::engine::steps {

/// compare(what, expected, actual): records and judges one declared outcome.
using Compare = std::function<void(const std::string&, const std::string&, const std::string&)>;

/// The repository's snapshots after the run against the model of the job's forget policy over
/// every snapshot that existed (`listedBefore` the run, and made by it).
/// @throws util::InputError when the job's forget arguments cannot be modelled
void checkRetention(drill::DrillContext& ctx, const DrillJob& job, const std::vector<verify::Snapshot>& listedBefore,
                    const Compare& compare);

} // namespace nixdrill::engine::steps
