///@file Structured differences between an expected and an actual JSON document.
#pragma once

#include "model/result.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nixdrill::verify {

/// Every difference, each at the JSON pointer (below `base`) where it starts: missing or extra
/// object members, differing array lengths, differing scalars. Arrays compare element-wise
/// because order is part of every output we check (persistence order, backupOrder...).
/// An expected object holding `"...": true` is partial: members of the actual object that it
/// does not list are allowed (used for large rendered job specs).
std::vector<model::Mismatch> diffJson(const nlohmann::json& expected, const nlohmann::json& actual,
                                      const std::string& base = "");

} // namespace nixdrill::verify
