///@file Keeping secrets out of evidence.
#include "util/redact.hpp"

#include <algorithm>

namespace nixdrill::util {

void Redactor::add(std::string secret) {
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
        secret.pop_back();
    }
    if (secret.size() < 4 || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) {
        return;
    }
    secrets_.push_back(std::move(secret));
    // Longest first, so a secret containing another is replaced whole.
    std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::apply(std::string_view text) const {
    std::string out(text);
    for (const auto& s : secrets_) {
        std::size_t pos = 0;
        while ((pos = out.find(s, pos)) != std::string::npos) {
            out.replace(pos, s.size(), "[REDACTED]");
            pos += 10;
        }
    }
    return out;
}

nlohmann::json Redactor::applyToJson(const nlohmann::json& value) const {
    if (secrets_.empty()) {
        return value;
    }
    if (value.is_string()) {
        return apply(value.get_ref<const std::string&>());
    }
    if (value.is_array()) {
        auto out = nlohmann::json::array();
        for (const auto& item : value) {
            out.push_back(applyToJson(item));
        }
        return out;
    }
    if (value.is_object()) {
        auto out = nlohmann::json::object();
        for (const auto& [key, item] : value.items()) {
            out[apply(key)] = applyToJson(item);
        }
        return out;
    }
    return value;
}

} // namespace nixdrill::util
