///@file Guest agent JSON messages.
#include "guest/agent_protocol.hpp"

#include "guest/base64.hpp"
#include "util/error.hpp"
#include "vm/libvirt_error.hpp"

#include <cstdint>
#include <limits>
#include <type_traits>

namespace nixdrill::guest::protocol {

using nlohmann::json;

namespace {

const json& field(const json& value, const char* name, const char* what) {
    if (!value.is_object() || !value.contains(name)) {
        throw util::SystemError(std::string("malformed guest agent reply to ") + what + ": no '" + name + "' in " +
                                value.dump());
    }
    return value.at(name);
}

// An integer field of a reply, range-checked: a float or an out-of-range number would make the
// conversion undefined behaviour, so it is reported like any other malformed reply.
template <typename T> T integer(const json& value, const char* what) {
    bool fits = false;
    if (value.is_number_unsigned()) {
        fits = value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    } else if (value.is_number_integer()) {
        auto v = value.get<std::int64_t>();
        fits = std::is_signed_v<T> ? v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                                         v <= static_cast<std::int64_t>(std::numeric_limits<T>::max())
                                   : v >= 0;
    }
    if (!fits) {
        throw util::SystemError(std::string("malformed guest agent reply to ") + what + ": expected an integer, got " +
                                value.dump().substr(0, 200));
    }
    return value.get<T>();
}

// Type errors inside a reply are the agent's (or our) bug, not the drill's: report them as such.
template <typename F> auto guarded(const char* what, const json& value, F&& decode) {
    try {
        return decode();
    } catch (const nlohmann::json::exception& e) {
        throw util::SystemError(std::string("malformed guest agent reply to ") + what + " (" + e.what() +
                                "): " + value.dump().substr(0, 200));
    }
}

} // namespace

std::string encodeCommand(std::string_view name, const json& arguments) {
    json command{{"execute", name}};
    if (!arguments.is_null()) {
        command["arguments"] = arguments;
    }
    return command.dump();
}

json decodeReply(std::string_view reply) {
    json parsed = json::parse(reply, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        throw util::SystemError("guest agent reply is not a JSON object: " + std::string(reply.substr(0, 200)));
    }
    if (auto error = parsed.find("error"); error != parsed.end()) {
        // Any shape of error object is still the agent refusing the command.
        auto text = [&](const char* key) {
            return error->is_object() && error->contains(key) && error->at(key).is_string()
                       ? error->at(key).get<std::string>()
                       : std::string();
        };
        std::string cls = text("class");
        std::string desc = error->is_object() ? text("desc") : error->dump().substr(0, 200);
        throw vm::AgentCommandError("guest agent error " + cls + ": " + desc, 0);
    }
    if (!parsed.contains("return")) {
        throw util::SystemError("guest agent reply has no 'return': " + std::string(reply.substr(0, 200)));
    }
    return parsed.at("return");
}

std::string encodeExec(const ExecRequest& request) {
    json arguments{{"path", request.path}, {"capture-output", request.captureOutput}};
    if (!request.args.empty()) {
        arguments["arg"] = request.args;
    }
    if (!request.env.empty()) {
        arguments["env"] = request.env;
    }
    if (request.input) {
        arguments["input-data"] = base64Encode(*request.input);
    }
    return encodeCommand("guest-exec", arguments);
}

std::int64_t decodeExecPid(const json& value) {
    return guarded("guest-exec", value,
                   [&] { return integer<std::int64_t>(field(value, "pid", "guest-exec"), "guest-exec"); });
}

std::string encodeExecStatus(std::int64_t pid) {
    return encodeCommand("guest-exec-status", {{"pid", pid}});
}

ExecStatus decodeExecStatus(const json& value) {
    return guarded("guest-exec-status", value, [&] {
        ExecStatus status;
        status.exited = field(value, "exited", "guest-exec-status").get<bool>();
        if (value.contains("exitcode")) {
            status.exitCode = integer<int>(value.at("exitcode"), "guest-exec-status");
        }
        if (value.contains("signal")) {
            status.signal = integer<int>(value.at("signal"), "guest-exec-status");
        }
        if (value.contains("out-data")) {
            status.out = base64Decode(value.at("out-data").get<std::string>());
        }
        if (value.contains("err-data")) {
            status.err = base64Decode(value.at("err-data").get<std::string>());
        }
        status.outTruncated = value.value("out-truncated", false);
        status.errTruncated = value.value("err-truncated", false);
        return status;
    });
}

std::string encodeFileOpen(std::string_view path, std::string_view mode) {
    return encodeCommand("guest-file-open", {{"path", path}, {"mode", mode}});
}

std::int64_t decodeFileHandle(const json& value) {
    return integer<std::int64_t>(value, "guest-file-open");
}

std::string encodeFileRead(std::int64_t handle, std::size_t count) {
    return encodeCommand("guest-file-read", {{"handle", handle}, {"count", count}});
}

FileChunk decodeFileRead(const json& value) {
    return guarded("guest-file-read", value, [&] {
        FileChunk chunk;
        auto count = integer<std::size_t>(field(value, "count", "guest-file-read"), "guest-file-read");
        chunk.eof = field(value, "eof", "guest-file-read").get<bool>();
        chunk.data = base64Decode(value.value("buf-b64", ""));
        if (chunk.data.size() != count) {
            throw util::SystemError("guest-file-read: reply says " + std::to_string(count) + " bytes but carries " +
                                    std::to_string(chunk.data.size()));
        }
        return chunk;
    });
}

std::string encodeFileWrite(std::int64_t handle, std::string_view data) {
    return encodeCommand("guest-file-write", {{"handle", handle}, {"buf-b64", base64Encode(data)}});
}

std::size_t decodeFileWrite(const json& value) {
    return guarded("guest-file-write", value,
                   [&] { return integer<std::size_t>(field(value, "count", "guest-file-write"), "guest-file-write"); });
}

std::string encodeFileClose(std::int64_t handle) {
    return encodeCommand("guest-file-close", {{"handle", handle}});
}

std::string encodeSetTime(std::int64_t nanosecondsSinceEpoch) {
    return encodeCommand("guest-set-time", {{"time", nanosecondsSinceEpoch}});
}

} // namespace nixdrill::guest::protocol
