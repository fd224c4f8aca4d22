///@file Collecting invariant violations as mismatches under a section's JSON pointer.
#pragma once

#include "model/result.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nixdrill::verify {

class InvariantChecker {
public:
    explicit InvariantChecker(std::string section) : section_(std::move(section)) {}

    /// Records that `invariant` does not hold at `pointer` (below the section), showing `actual`.
    void fail(const std::string& pointer, const std::string& invariant, const nlohmann::json& actual) {
        violations_.push_back({section_ + pointer, std::nullopt, actual, "invariant: " + invariant});
    }

    std::vector<model::Mismatch> take() { return std::move(violations_); }

private:
    std::string section_;
    std::vector<model::Mismatch> violations_;
};

} // namespace nixdrill::verify
