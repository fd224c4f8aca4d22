///@file Prometheus textfile-collector output, rendered from a run result.
#pragma once

#include "model/result.hpp"

#include <string>
#include <string_view>

namespace nixdrill::report {

/// Metrics (HELP/TYPE once each): nixdrill_scenario_status{scenario,kind} 1/0,
/// nixdrill_scenario_outcome{scenario,kind,outcome}, nixdrill_scenario_duration_seconds{scenario,kind},
/// nixdrill_run_cases{outcome}, nixdrill_run_duration_seconds, nixdrill_run_start_timestamp_seconds,
/// nixdrill_run_info{version,...}. All labelled with command.
std::string renderPrometheus(const model::RunResult& run);

/// Escapes a label value: backslash, double quote and newline.
std::string escapeLabelValue(std::string_view value);

/// Seconds since the epoch of an RFC 3339 UTC timestamp ("2026-11-23T19:28:33Z"); nullopt if malformed.
std::optional<long long> parseTimestamp(const std::string& text);

} // namespace nixdrill::report
