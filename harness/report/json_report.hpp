///@file The stored run result as JSON: what every other report is rendered from.
#pragma once

#include "model/result.hpp"

#include <nlohmann/json.hpp>

namespace nixdrill::report {

/// Format tag of stored results, bumped when the shape changes incompatibly.
inline constexpr const char* runResultFormat = "nixdrill-run/1";

nlohmann::ordered_json toJson(const model::RunResult& run);

/// @throws util::InputError naming the JSON pointer of the first bad field.
model::RunResult runResultFromJson(const nlohmann::json& json);

} // namespace nixdrill::report
