///@file QEMU guest agent messages: pure JSON encoding and decoding, no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::guest::protocol {

/// {"execute": name, "arguments": arguments} (arguments left out when null).
std::string encodeCommand(std::string_view name, const nlohmann::json& arguments = nullptr);

/// The "return" value of a reply.
/// @throws vm::AgentCommandError when the reply is an {"error": {...}} object,
///         util::SystemError when it is not a JSON object with "return".
nlohmann::json decodeReply(std::string_view reply);

struct ExecRequest {
    std::string path;
    std::vector<std::string> args;
    /// Replaces the whole environment when non-empty (qemu-ga passes it as envp).
    std::vector<std::string> env;
    /// Written to the command's stdin.
    std::optional<std::string> input;
    bool captureOutput = true;
};

std::string encodeExec(const ExecRequest& request);
/// The guest pid from a guest-exec reply's return value.
/// @throws util::SystemError when it has none.
std::int64_t decodeExecPid(const nlohmann::json& value);

struct ExecStatus {
    bool exited = false;
    std::optional<int> exitCode;
    std::optional<int> signal;
    std::string out;
    std::string err;
    bool outTruncated = false;
    bool errTruncated = false;
};

std::string encodeExecStatus(std::int64_t pid);
/// @throws util::SystemError on a malformed value, util::InputError on bad base64.
ExecStatus decodeExecStatus(const nlohmann::json& value);

std::string encodeFileOpen(std::string_view path, std::string_view mode);
std::int64_t decodeFileHandle(const nlohmann::json& value);
std::string encodeFileRead(std::int64_t handle, std::size_t count);

struct FileChunk {
    std::string data;
    bool eof = false;
};
/// @throws util::SystemError when count and data disagree or fields are missing.
FileChunk decodeFileRead(const nlohmann::json& value);
std::string encodeFileWrite(std::int64_t handle, std::string_view data);
/// Bytes written.
std::size_t decodeFileWrite(const nlohmann::json& value);
std::string encodeFileClose(std::int64_t handle);

/// guest-set-time with nanoseconds since the epoch.
std::string encodeSetTime(std::int64_t nanosecondsSinceEpoch);

} // namespace nixdrill::guest::protocol
