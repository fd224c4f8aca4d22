///@file Small text helpers: positions in text, timestamps, JSON pointer tokens.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace nixdrill::util {

struct TextPosition {
    std::size_t line = 1;   ///< 1-based
    std::size_t column = 1; ///< 1-based, in bytes
};

/// Line and column of a byte offset (an offset past the end maps to the end).
TextPosition positionOf(std::string_view text, std::size_t offset);

/// RFC 3339 UTC timestamp with second precision, e.g. 2026-11-23T19:28:33Z.
std::string formatTimestamp(std::chrono::system_clock::time_point time);

/// Escapes one JSON pointer reference token (RFC 6901: '~' -> "~0", '/' -> "~1").
std::string escapePointerToken(std::string_view token);

} // namespace nixdrill::util
