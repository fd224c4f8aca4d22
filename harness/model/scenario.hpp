///@file A scenario: service contracts plus what evaluating them must produce.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::model {

/// The scenario format version this harness reads (see docs/scenario-format.md).
inline constexpr const char* scenarioFormat = "nixdrill-scenario/1";

struct Scenario {
    std::string name;  ///< unique within a run
    std::string group; ///< JUnit suite: the directory the file is in, relative to the root given
    std::string file;  ///< path of the file it was read from
    std::string description;
    /// Service contracts, `qgroget.serviceModules` as a JSON object.
    nlohmann::ordered_json services = nlohmann::ordered_json::object();
    /// `modules.backup` settings for the backup module; absent: the collector alone is checked.
    std::optional<nlohmann::ordered_json> backup;
    /// Expected outputs by section ("collector", "backup"); each present section is compared exactly.
    std::optional<nlohmann::ordered_json> expect;
    /// Substrings the evaluation error must contain; non-empty means evaluation must fail.
    std::vector<std::string> expectError;
    /// The whole document as read, so golden updates rewrite it without losing anything.
    nlohmann::ordered_json document;
};

} // namespace nixdrill::model
