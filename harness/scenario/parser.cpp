///@file Scenario parsing with precise error locations.
#include "scenario/parser.hpp"

#include "scenario/drill_parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace nixdrill::scenario {

using nlohmann::ordered_json;
using util::InputError;

namespace {

[[noreturn]] void contentError(const std::string& file, const std::string& pointer, const std::string& message) {
    throw InputError(file + ": " + (pointer.empty() ? "/" : pointer) + ": " + message);
}

std::string typeName(const ordered_json& value) {
    return value.is_number_integer() ? "an integer"
           : value.is_number()       ? "a number"
                                     : std::string("a ") + value.type_name();
}

void requireType(const std::string& file, const std::string& pointer, const ordered_json& value, bool ok,
                 const std::string& expected) {
    if (!ok) {
        contentError(file, pointer, "expected " + expected + ", got " + typeName(value));
    }
}

std::vector<std::string> stringList(const std::string& file, const std::string& pointer, const ordered_json& value) {
    std::vector<std::string> out;
    if (value.is_string()) {
        out.push_back(value.get<std::string>());
        return out;
    }
    requireType(file, pointer, value, value.is_array(), "a string or a list of strings");
    for (std::size_t i = 0; i < value.size(); ++i) {
        requireType(file, pointer + "/" + std::to_string(i), value[i], value[i].is_string(), "a string");
        out.push_back(value[i].get<std::string>());
    }
    return out;
}

const std::set<std::string> knownKeys = {"$schema", "format", "name",        "description", "services",
                                         "backup",  "expect", "expectError", "drill",       "containers"};
const std::set<std::string> expectSections = {"collector", "backup", "containers"};

/// The scenario's text as JSON, or an InputError with the line and column of the problem.
ordered_json parseDocument(const std::string& text, const std::string& file) {
    // Far deeper than any scenario needs, far shallower than what overflows the stack.
    constexpr std::size_t maxDepth = 512;
    if (auto at = util::findJsonNestingBeyond(text, maxDepth); at != std::string::npos) {
        auto pos = util::positionOf(text, at);
        throw InputError(file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                         ": JSON nested deeper than " + std::to_string(maxDepth) + " levels");
    }
    try {
        return ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's byte index is 1-based and points at the last character read.
        auto pos = util::positionOf(text, e.byte == 0 ? 0 : e.byte - 1);
        std::string what = e.what();
        auto colon = what.find(": ", what.find("parse error"));
        std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
        throw InputError(file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + reason);
    } catch (const nlohmann::json::exception& e) {
        // out_of_range.406: a number too large for a double ("1e400"); nlohmann gives no position.
        std::string what = e.what();
        auto bracket = what.find("] ");
        throw InputError(file + ": " + (bracket == std::string::npos ? what : what.substr(bracket + 2)));
    }
}

/// The document's keys, format, name and description.
void parseHeader(const ordered_json& doc, const std::string& file, model::Scenario& s) {
    if (!doc.is_object()) {
        contentError(file, "", "a scenario is a JSON object, got " + typeName(doc));
    }
    for (const auto& [key, value] : doc.items()) {
        if (!knownKeys.contains(key)) {
            contentError(file, "/" + util::escapePointerToken(key),
                         "unknown key (known: format, name, description, services, backup, containers, expect, "
                         "expectError, drill)");
        }
    }
    if (!doc.contains("format")) {
        contentError(file, "/format", std::string("missing; this harness reads \"") + model::scenarioFormat + "\"");
    }
    requireType(file, "/format", doc["format"], doc["format"].is_string(), "a string");
    if (doc["format"] != model::scenarioFormat) {
        contentError(file, "/format",
                     "unsupported format \"" + doc["format"].get<std::string>() + "\"; this harness reads \"" +
                         model::scenarioFormat + "\"");
    }
    if (doc.contains("name")) {
        requireType(file, "/name", doc["name"], doc["name"].is_string() && !doc["name"].get<std::string>().empty(),
                    "a non-empty string");
        s.name = doc["name"].get<std::string>();
    } else {
        s.name = std::filesystem::path(file).stem().string();
    }
    if (doc.contains("description")) {
        requireType(file, "/description", doc["description"], doc["description"].is_string(), "a string");
        s.description = doc["description"].get<std::string>();
    }
}

/// The system under test: service contracts, backup settings, container backups.
void parseInputs(const ordered_json& doc, const std::string& file, model::Scenario& s) {
    if (!doc.contains("services")) {
        contentError(file, "/services", "missing (the service contracts, an object; may be empty)");
    }
    requireType(file, "/services", doc["services"], doc["services"].is_object(), "an object of service contracts");
    for (const auto& [name, contract] : doc["services"].items()) {
        requireType(file, "/services/" + util::escapePointerToken(name), contract, contract.is_object(),
                    "an object (a service contract)");
    }
    s.services = doc["services"];

    if (doc.contains("backup")) {
        requireType(file, "/backup", doc["backup"], doc["backup"].is_object(), "an object (modules.backup settings)");
        s.backup = doc["backup"];
    }

    if (doc.contains("containers")) {
        requireType(file, "/containers", doc["containers"], doc["containers"].is_object(),
                    "an object of container backups by name");
        for (const auto& [name, c] : doc["containers"].items()) {
            requireType(file, "/containers/" + util::escapePointerToken(name), c, c.is_object(),
                        "an object (mkBackupService arguments without name)");
        }
        s.containers = doc["containers"];
    }
}

/// What the evaluation must give: outputs (/expect) or an error (/expectError).
void parseExpectations(const ordered_json& doc, const std::string& file, model::Scenario& s) {
    if (doc.contains("expect")) {
        const auto& expect = doc["expect"];
        requireType(file, "/expect", expect, expect.is_object(), "an object");
        for (const auto& [section, value] : expect.items()) {
            std::string pointer = "/expect/" + util::escapePointerToken(section);
            if (!expectSections.contains(section)) {
                contentError(file, pointer, "unknown section (known: collector, backup, containers)");
            }
            requireType(file, pointer, value, value.is_object(), "an object");
        }
        if (expect.contains("containers") && !s.containers) {
            contentError(file, "/expect/containers", "expects container backups but the scenario has no /containers");
        }
        if (expect.contains("backup") && !s.backup) {
            contentError(file, "/expect/backup", "expects backup jobs but the scenario has no /backup settings");
        }
        s.expect = expect;
    }
    if (doc.contains("expectError")) {
        s.expectError = stringList(file, "/expectError", doc["expectError"]);
        if (s.expectError.empty()) {
            contentError(file, "/expectError", "must name at least one substring of the expected error");
        }
        if (s.expect) {
            contentError(file, "/expectError", "a scenario expects either outputs (/expect) or an error, not both");
        }
    }
}

} // namespace

model::Scenario parseScenario(const std::string& text, const std::string& file, const std::string& group,
                              const StepCatalogue& catalogue) {
    ordered_json doc = parseDocument(text, file);
    model::Scenario s;
    s.file = file;
    s.group = group;
    parseHeader(doc, file, s);
    parseInputs(doc, file, s);
    parseExpectations(doc, file, s);
    if (doc.contains("drill")) {
        if (!s.backup && !s.containers) {
            contentError(file, "/drill",
                         "a drill runs the rendered backup jobs or container backups: the scenario needs /backup or "
                         "/containers settings");
        }
        if (!s.expectError.empty()) {
            contentError(file, "/drill", "a scenario that expects an evaluation error cannot be drilled");
        }
        s.drill = parseDrill(doc["drill"], file, catalogue);
    }
    s.document = std::move(doc);
    return s;
}

model::Scenario loadScenarioFile(const std::filesystem::path& file, const std::string& group,
                                 const StepCatalogue& catalogue) {
    return parseScenario(util::readFile(file), file.string(), group, catalogue);
}

LoadResult loadScenarios(const std::vector<std::filesystem::path>& paths, const StepCatalogue& catalogue) {
    LoadResult result;
    // (file, group) in a deterministic order.
    std::vector<std::pair<std::filesystem::path, std::string>> files;
    for (const auto& given : paths) {
        // "scenarios/" and "scenarios" name the same group.
        auto root = given.lexically_normal();
        if (root.filename().empty()) {
            root = root.parent_path();
        }
        std::error_code ec;
        if (std::filesystem::is_directory(root, ec)) {
            std::vector<std::filesystem::path> found;
            for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
                 !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file() && it->path().extension() == ".json") {
                    found.push_back(it->path());
                }
            }
            if (ec) {
                result.errors.push_back({root.string(), "scenarios", root.string() + ": " + ec.message()});
            }
            std::sort(found.begin(), found.end());
            for (const auto& f : found) {
                auto rel = std::filesystem::relative(f.parent_path(), root).string();
                std::string group = rel == "." ? root.filename().string() : rel;
                if (group.empty()) {
                    group = "scenarios";
                }
                files.emplace_back(f, group);
            }
        } else if (std::filesystem::exists(root, ec)) {
            auto parent = root.parent_path().filename().string();
            files.emplace_back(root, parent.empty() ? "scenarios" : parent);
        } else {
            result.errors.push_back({root.string(), "scenarios", root.string() + ": no such file or directory"});
        }
    }

    std::map<std::string, std::string> seen; // name -> file
    for (const auto& [file, group] : files) {
        try {
            auto s = loadScenarioFile(file, group, catalogue);
            if (auto it = seen.find(s.name); it != seen.end()) {
                result.errors.push_back(
                    {file.string(), group,
                     file.string() + ": /name: scenario name \"" + s.name + "\" is already used by " + it->second});
                continue;
            }
            seen.emplace(s.name, file.string());
            result.scenarios.push_back(std::move(s));
        } catch (const util::Error& e) {
            result.errors.push_back({file.string(), group, e.describe()});
        }
    }
    return result;
}

std::string formatScenarioDocument(const nlohmann::ordered_json& document) {
    // ensure_ascii=false keeps non-ASCII paths readable in the files people edit.
    return document.dump(2, ' ', false) + "\n";
}

} // namespace nixdrill::scenario
