///@file Keeping secrets out of evidence: every captured text passes through a Redactor.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::util {

class Redactor {
public:
    /// Registers a secret; empty and very short strings are ignored (they would redact noise).
    void add(std::string secret);
    /// The text with every registered secret replaced by "[REDACTED]".
    std::string apply(std::string_view text) const;
    /// The value with every string in it, and every object key, passed through apply().
    nlohmann::json applyToJson(const nlohmann::json& value) const;
    bool empty() const noexcept { return secrets_.empty(); }

private:
    std::vector<std::string> secrets_;
};

} // namespace nixdrill::util
