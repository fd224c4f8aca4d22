///@file Human-readable text of structured differences.
#pragma once

#include "model/result.hpp"

#include <string>
#include <vector>

namespace nixdrill::report {

/// One line per mismatch: `/collector/persistence/1: expected "/a", got "/b"`; long values are cut.
std::string formatMismatches(const std::vector<model::Mismatch>& mismatches);

} // namespace nixdrill::report
