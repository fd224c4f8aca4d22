///@file Properties every collector output must have, checked without written expectations.
#pragma once

#include "model/result.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace nixdrill::verify {

/// Checks a collector output (`{ persistence; backups; backupOrder; overlaps; }`) against the
/// contracts it came from. Each violation is a Mismatch whose note names the invariant and whose
/// pointer (under /collector) shows where. An output of the wrong shape is one violation too.
std::vector<model::Mismatch> checkCollectorInvariants(const nlohmann::json& services, const nlohmann::json& output);

/// True for "/", or "/a/b" with no empty, "." or ".." segment and no trailing slash.
bool isNormalisedAbsolutePath(const std::string& path);

} // namespace nixdrill::verify
