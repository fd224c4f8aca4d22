///@file Small readers and formatters of guest command output that every step family shares
/// (pure functions, unit-tested without a guest).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nixdrill::engine::drill {

/// The string at `key`, or `fallback` when absent or not a string.
std::string stringOr(const nlohmann::json& j, const char* key, const std::string& fallback = "");

/// "Key=value" lines of `systemctl show`.
std::map<std::string, std::string> parseShow(const std::string& text);

/// Microseconds (journald's __MONOTONIC_TIMESTAMP) as seconds; -1 when unreadable.
double microsToSeconds(const std::string& text);

/// Seconds with two decimals, as the evidence prints them.
std::string fmt(double seconds);

/// The text without trailing newlines and spaces.
std::string trimmed(std::string text);

/// The parent directory of an absolute path ("/" for a top-level entry).
std::string dirOf(const std::string& path);

/// A value of a job's metrics file: the sample of `metric`, or the `category` label of
/// restic_backup_last_run_info when metric is "category". "" when absent.
std::string metricValue(const std::string& text, const std::string& metric);

/// psql's unaligned output of one row: the fields between '|', trailing newlines dropped.
std::vector<std::string> psqlFields(std::string text);

/// The lines joined by '\n'; after `heading` each line starts a new line.
std::string joinLines(const std::vector<std::string>& lines, const std::string& heading = "");

} // namespace nixdrill::engine::drill
