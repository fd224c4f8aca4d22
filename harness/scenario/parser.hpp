///@file Reading and validating scenario files (JSON, format nixdrill-scenario/1).
#pragma once

#include "model/scenario.hpp"
#include "scenario/step_syntax.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace nixdrill::scenario {

/// A scenario file that could not be read or is invalid: reported as a Broken case, never fatal
/// for the other scenarios of the run.
struct LoadError {
    std::string file;
    std::string group;
    std::string message; ///< "FILE:LINE:COL: ..." for syntax, "FILE: /pointer: ..." for content
};

struct LoadResult {
    std::vector<model::Scenario> scenarios;
    std::vector<LoadError> errors;
};

/// Parses one scenario document. `file` and `group` only label it and its errors; `catalogue`
/// (engine::steps::catalogue()) reads the drill's steps.
/// @throws util::InputError naming the file and line:column (syntax) or JSON pointer (content).
model::Scenario parseScenario(const std::string& text, const std::string& file, const std::string& group,
                              const StepCatalogue& catalogue);

/// Reads one file. @throws util::InputError as parseScenario, or when the file cannot be read.
model::Scenario loadScenarioFile(const std::filesystem::path& file, const std::string& group,
                                 const StepCatalogue& catalogue);

/// Loads every `*.json` below each directory (sorted, recursively) and every file named.
/// Duplicate scenario names become load errors. A path that does not exist is a load error.
LoadResult loadScenarios(const std::vector<std::filesystem::path>& paths, const StepCatalogue& catalogue);

/// Serialises a scenario document the way shipped scenarios are formatted (2-space indent,
/// key order kept, trailing newline), for golden updates.
std::string formatScenarioDocument(const nlohmann::ordered_json& document);

} // namespace nixdrill::scenario
