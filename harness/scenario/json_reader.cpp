///@file Reading values of a scenario document with errors that name the file and JSON pointer.
#include "scenario/json_reader.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <cstdint>

namespace nixdrill::scenario {

using nlohmann::ordered_json;

void JsonReader::fail(const std::string& pointer, const std::string& message) const {
    throw util::InputError(file_ + ": " + pointer + ": " + message);
}

void JsonReader::onlyKeys(const ordered_json& obj, const std::string& pointer,
                          const std::set<std::string>& known) const {
    if (!obj.is_object()) {
        fail(pointer, std::string("expected an object, got a ") + obj.type_name());
    }
    for (const auto& [key, value] : obj.items()) {
        if (!known.contains(key)) {
            std::string list;
            for (const auto& k : known) {
                list += (list.empty() ? "" : ", ") + k;
            }
            fail(pointer + "/" + util::escapePointerToken(key), "unknown key (known: " + list + ")");
        }
    }
}

unsigned JsonReader::number(const ordered_json& obj, const std::string& pointer, const char* key, unsigned fallback,
                            unsigned min, unsigned max) const {
    if (!obj.contains(key)) {
        return fallback;
    }
    const auto& v = obj[key];
    std::string p = pointer + "/" + key;
    if (!v.is_number_integer()) {
        fail(p, std::string("expected an integer, got a ") + v.type_name());
    }
    // Above LLONG_MAX a value is unsigned: read as long long it would wrap and be reported as negative.
    auto n = v.is_number_unsigned() && v.get<std::uint64_t>() > max ? max + 1LL : v.get<long long>();
    if (n < min || n > max) {
        fail(p, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + v.dump());
    }
    return static_cast<unsigned>(n);
}

std::string JsonReader::string(const ordered_json& obj, const std::string& pointer, const char* key,
                               std::string fallback) const {
    if (!obj.contains(key)) {
        return fallback;
    }
    if (!obj[key].is_string()) {
        fail(pointer + "/" + key, std::string("expected a string, got a ") + obj[key].type_name());
    }
    return obj[key].get<std::string>();
}

bool JsonReader::boolean(const ordered_json& obj, const std::string& pointer, const char* key, bool fallback) const {
    if (!obj.contains(key)) {
        return fallback;
    }
    if (!obj[key].is_boolean()) {
        fail(pointer + "/" + key, std::string("expected a boolean, got a ") + obj[key].type_name());
    }
    return obj[key].get<bool>();
}

} // namespace nixdrill::scenario
