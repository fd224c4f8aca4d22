///@file Parsing the `drill` section of a scenario.
#pragma once

#include "model/scenario.hpp"

#include <string>

namespace nixdrill::scenario {

/// @throws util::InputError "FILE: /drill/...: message" for anything malformed or unknown.
model::Drill parseDrill(const nlohmann::ordered_json& section, const std::string& file);

std::string_view toString(model::StepAction action) noexcept;
std::string_view toString(model::FaultKind kind) noexcept;

} // namespace nixdrill::scenario
