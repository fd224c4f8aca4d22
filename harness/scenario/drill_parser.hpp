///@file Parsing the `drill` section of a scenario.
#pragma once

#include "model/scenario.hpp"
#include "scenario/step_syntax.hpp"

#include <optional>
#include <string>

namespace nixdrill::scenario {

/// The drill's own settings here, each step's shared keys here and the rest by the family that
/// reads them (`catalogue`, engine::steps::catalogue()).
/// @throws util::InputError "FILE: /drill/...: message" for anything malformed or unknown.
model::Drill parseDrill(const nlohmann::ordered_json& section, const std::string& file, const StepCatalogue& catalogue);

} // namespace nixdrill::scenario
