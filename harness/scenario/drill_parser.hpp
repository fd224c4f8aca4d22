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

std::string_view toString(model::FaultKind kind) noexcept;
/// The fault kind of a catalogue name ("kill-mid-backup"), if there is one.
std::optional<model::FaultKind> faultKindNamed(const std::string& name);
/// Whether the fault acts during a backup step (or is injected by an inject step).
bool injectedDuringBackup(model::FaultKind kind) noexcept;
/// "wrong-password, repository-missing, ...": every fault kind, for messages.
std::string knownFaultKinds();

} // namespace nixdrill::scenario
