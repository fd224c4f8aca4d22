///@file Small text helpers: positions in text, timestamps, JSON pointer tokens, shell quoting.
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nixdrill::util {

struct TextPosition {
    std::size_t line = 1;   ///< 1-based
    std::size_t column = 1; ///< 1-based, in bytes
};

/// Line and column of a byte offset (an offset past the end maps to the end).
TextPosition positionOf(std::string_view text, std::size_t offset);

/// The byte offset of the first '[' or '{' of `json` that opens a level deeper than maxDepth
/// (strings skipped), or npos. Run before parsing untrusted JSON: nlohmann's parser is iterative
/// but copying, dumping and comparing a parsed value recurse once per level and overflow the stack
/// around 100000 levels.
std::size_t findJsonNestingBeyond(std::string_view json, std::size_t maxDepth);

/// RFC 3339 UTC timestamp with second precision, e.g. 2026-11-23T19:28:33Z.
std::string formatTimestamp(std::chrono::system_clock::time_point time);

/// Escapes one JSON pointer reference token (RFC 6901: '~' -> "~0", '/' -> "~1").
std::string escapePointerToken(std::string_view token);

/// Single-quotes a word for /bin/sh: 'it'\''s' for "it's"; every byte but the quote stays as it is.
std::string shellQuote(std::string_view word);

/// The whole number TEXT, all of it digits (from_chars: no sign for unsigned types, no "+", no
/// spaces, no hexadecimal); nullopt otherwise (an empty text too).
template <typename Number> std::optional<Number> wholeNumber(std::string_view text) {
    Number n{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return n;
}

} // namespace nixdrill::util
