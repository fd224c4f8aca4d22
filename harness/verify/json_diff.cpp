///@file Structured JSON differences.
#include "verify/json_diff.hpp"

#include "util/text.hpp"

namespace nixdrill::verify {

namespace {

void diffInto(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& pointer,
              std::vector<model::Mismatch>& out) {
    if (expected.is_object() && actual.is_object()) {
        // An expected object with "...": true lists only the members it cares about.
        auto open = expected.find("...");
        bool partial = open != expected.end() && *open == true;
        for (const auto& [key, value] : expected.items()) {
            if (partial && key == "...") {
                continue;
            }
            std::string p = pointer + "/" + util::escapePointerToken(key);
            if (auto it = actual.find(key); it != actual.end()) {
                diffInto(value, *it, p, out);
            } else {
                out.push_back({p, value, std::nullopt, "missing"});
            }
        }
        for (const auto& [key, value] : actual.items()) {
            if (!partial && !expected.contains(key)) {
                out.push_back({pointer + "/" + util::escapePointerToken(key), std::nullopt, value, "unexpected"});
            }
        }
        return;
    }
    if (expected.is_array() && actual.is_array()) {
        std::size_t common = std::min(expected.size(), actual.size());
        for (std::size_t i = 0; i < common; ++i) {
            diffInto(expected[i], actual[i], pointer + "/" + std::to_string(i), out);
        }
        for (std::size_t i = common; i < expected.size(); ++i) {
            out.push_back({pointer + "/" + std::to_string(i), expected[i], std::nullopt, "missing"});
        }
        for (std::size_t i = common; i < actual.size(); ++i) {
            out.push_back({pointer + "/" + std::to_string(i), std::nullopt, actual[i], "unexpected"});
        }
        return;
    }
    if (expected != actual) {
        out.push_back({pointer.empty() ? "/" : pointer, expected, actual, ""});
    }
}

} // namespace

std::vector<model::Mismatch> diffJson(const nlohmann::json& expected, const nlohmann::json& actual,
                                      const std::string& base) {
    std::vector<model::Mismatch> out;
    diffInto(expected, actual, base, out);
    return out;
}

} // namespace nixdrill::verify
