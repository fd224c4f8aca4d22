///@file Reading values of a scenario document with errors that name the file and JSON pointer.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace nixdrill::scenario {

/// Typed reads of an object's keys; every error is util::InputError "FILE: POINTER: message".
class JsonReader {
public:
    explicit JsonReader(std::string file) : file_(std::move(file)) {}

    const std::string& file() const noexcept { return file_; }

    /// @throws util::InputError "FILE: POINTER: MESSAGE"
    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;
    /// `obj` is an object whose keys are all `known` (the message lists them).
    void onlyKeys(const nlohmann::ordered_json& obj, const std::string& pointer,
                  const std::set<std::string>& known) const;
    /// obj[key] as an integer in [min, max]; `fallback` when absent.
    unsigned number(const nlohmann::ordered_json& obj, const std::string& pointer, const char* key, unsigned fallback,
                    unsigned min, unsigned max) const;
    std::string string(const nlohmann::ordered_json& obj, const std::string& pointer, const char* key,
                       std::string fallback) const;
    bool boolean(const nlohmann::ordered_json& obj, const std::string& pointer, const char* key, bool fallback) const;

private:
    std::string file_;
};

} // namespace nixdrill::scenario
