///@file Guest agent operations built from single agent commands.
#include "guest/agent.hpp"

#include "guest/errors.hpp"
#include "util/error.hpp"
#include "vm/domain.hpp"
#include "vm/libvirt_error.hpp"

#include <thread>

namespace nixdrill::guest {

namespace {

// Agent calls that move data are given this long; they are quick unless the guest is stuck.
constexpr std::chrono::milliseconds callTimeout{std::chrono::seconds(30)};

std::string tail(const std::string& text, std::size_t max = 2000) {
    if (text.size() <= max) {
        return text;
    }
    return "..." + text.substr(text.size() - max);
}

std::string trimEnd(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::chrono::milliseconds remaining(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left, std::chrono::milliseconds(1));
}

} // namespace

std::string DomainAgentTransport::command(const std::string& json, std::chrono::milliseconds timeout) {
    return domain_.agentCommand(json, timeout);
}

std::string ExecResult::describe() const {
    std::string text = "`" + command + "` ";
    if (signal) {
        text += "was killed by signal " + std::to_string(*signal);
    } else {
        text += "exited with " + std::to_string(exitCode);
    }
    text += " after " + formatSeconds(elapsed);
    text += out.empty() ? "; no stdout" : "; stdout: " + tail(trimEnd(out));
    text += err.empty() ? "; no stderr" : "; stderr: " + tail(trimEnd(err));
    if (truncated) {
        text += " (output truncated by the agent)";
    }
    return text;
}

Agent::Agent(AgentTransport& transport, AgentOptions options) : transport_(transport), options_(options) {}

nlohmann::json Agent::call(const std::string& json, const char* what, std::chrono::milliseconds timeout) {
    auto start = Clock::now();
    ++stats_.calls;
    auto account = [&] {
        std::chrono::duration<double> took = Clock::now() - start;
        stats_.inCalls += took;
        lastCallTook_ = took;
        auto& rpc = stats_.byCommand[what];
        rpc.fastest = rpc.calls == 0 ? took : std::min(rpc.fastest, took);
        ++rpc.calls;
        rpc.time += took;
    };
    std::string reply;
    try {
        reply = transport_.command(json, timeout);
    } catch (...) {
        account();
        throw;
    }
    account();
    try {
        return protocol::decodeReply(reply);
    } catch (const nlohmann::json::exception& e) {
        throw util::SystemError(std::string("malformed guest agent reply to ") + what + ": " + e.what());
    }
}

bool Agent::ping(std::chrono::milliseconds timeout) {
    try {
        call(protocol::encodeCommand("guest-ping"), "guest-ping", timeout);
        return true;
    } catch (const vm::AgentUnavailableError&) {
        return false;
    }
}

void Agent::waitUntilConnected(std::chrono::milliseconds timeout) {
    retryUntil("the guest agent to answer", {timeout, std::chrono::milliseconds(50)},
               [this](Clock::time_point deadline, std::string& outcome) {
                   if (ping(std::min(remaining(deadline), std::chrono::milliseconds(1000)))) {
                       return true;
                   }
                   outcome = "agent not connected";
                   return false;
               });
}

ExecResult Agent::exec(const protocol::ExecRequest& request, std::chrono::milliseconds timeout) {
    ExecResult result;
    result.command = request.path;
    for (const auto& arg : request.args) {
        result.command += " " + arg;
    }
    if (request.path == "/bin/sh" && request.args.size() == 2 && request.args[0] == "-c") {
        result.command = request.args[1];
    }
    auto start = Clock::now();
    auto deadline = start + timeout;
    std::int64_t pid = 0;
    try {
        pid = protocol::decodeExecPid(call(protocol::encodeExec(request), "guest-exec", remaining(deadline)));
    } catch (util::Error& e) {
        e.addContext("while starting `" + result.command + "` in the guest");
        throw;
    }
    // Most drill commands take tens of milliseconds: poll fast first, then every pollInterval.
    auto pause = std::chrono::milliseconds(5);
    for (;;) {
        auto status =
            protocol::decodeExecStatus(call(protocol::encodeExecStatus(pid), "guest-exec-status", remaining(deadline)));
        if (status.exited) {
            ++stats_.execs;
            stats_.inExecs += Clock::now() - start;
            result.exitCode = status.exitCode.value_or(-1);
            result.signal = status.signal;
            result.out = std::move(status.out);
            result.err = std::move(status.err);
            result.truncated = status.outTruncated || status.errTruncated;
            result.elapsed = Clock::now() - start;
            return result;
        }
        ++stats_.polls;
        stats_.inPolls += lastCallTook_; // the status call's own time: a part of inCalls
        if (Clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
        pause = std::min(pause * 2, options_.pollInterval);
    }
    // Best effort: do not leave the command (and what it started) running into the next step of
    // the drill. Stop each process before collecting its children so none can be spawned late.
    std::string killTree = "t() { kill -STOP $1 2>/dev/null; for c in $(cat /proc/$1/task/*/children 2>/dev/null); "
                           "do t $c; done; kill -9 $1 2>/dev/null; }; t " +
                           std::to_string(pid);
    try {
        call(protocol::encodeExec({"/bin/sh", {"-c", killTree}, {}, std::nullopt, false}), "guest-exec",
             std::chrono::seconds(5));
    } catch (const util::Error&) {
    }
    throw util::TimeoutError("`" + result.command + "` did not finish within " + formatSeconds(timeout) +
                             " (guest pid " + std::to_string(pid) + " and its children killed)");
}

ExecResult Agent::run(std::string_view command, std::chrono::milliseconds timeout, std::optional<std::string> input) {
    if (input && input->size() > options_.writeChunk) {
        throw util::InputError("stdin for `" + std::string(command) + "` is " + std::to_string(input->size()) +
                               " bytes; the agent takes at most " + std::to_string(options_.writeChunk) +
                               " in one message: write it to a file first");
    }
    return exec({"/bin/sh", {"-c", std::string(command)}, {}, std::move(input), true}, timeout);
}

void Agent::closeFile(std::int64_t handle) noexcept {
    try {
        call(protocol::encodeFileClose(handle), "guest-file-close", callTimeout);
    } catch (const std::exception&) {
        // The agent closes leaked handles when it restarts; nothing better to do here.
    }
}

std::string Agent::readFile(std::string_view path) {
    try {
        auto handle =
            protocol::decodeFileHandle(call(protocol::encodeFileOpen(path, "r"), "guest-file-open", callTimeout));
        std::string data;
        try {
            for (;;) {
                auto chunk = protocol::decodeFileRead(
                    call(protocol::encodeFileRead(handle, options_.readChunk), "guest-file-read", callTimeout));
                data += chunk.data;
                if (chunk.eof || chunk.data.empty()) {
                    break;
                }
            }
        } catch (...) {
            closeFile(handle);
            throw;
        }
        closeFile(handle);
        return data;
    } catch (util::Error& e) {
        e.addContext("while reading guest file " + std::string(path));
        throw;
    }
}

void Agent::writeFile(std::string_view path, std::string_view data) {
    try {
        auto handle =
            protocol::decodeFileHandle(call(protocol::encodeFileOpen(path, "w"), "guest-file-open", callTimeout));
        try {
            std::size_t offset = 0;
            while (offset < data.size()) {
                auto piece = data.substr(offset, options_.writeChunk);
                auto written = protocol::decodeFileWrite(
                    call(protocol::encodeFileWrite(handle, piece), "guest-file-write", callTimeout));
                if (written == 0) {
                    throw util::SystemError("guest-file-write wrote nothing at offset " + std::to_string(offset));
                }
                offset += written;
            }
        } catch (...) {
            closeFile(handle);
            throw;
        }
        // Close reports errors (e.g. ENOSPC on flush), so it is not the best-effort variant here.
        call(protocol::encodeFileClose(handle), "guest-file-close", callTimeout);
    } catch (util::Error& e) {
        e.addContext("while writing guest file " + std::string(path) + " (" + std::to_string(data.size()) + " bytes)");
        throw;
    }
}

void Agent::setTime(std::chrono::system_clock::time_point time) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    try {
        call(protocol::encodeSetTime(ns), "guest-set-time", callTimeout);
    } catch (util::Error& e) {
        e.addContext("while setting the guest clock");
        throw;
    }
}

} // namespace nixdrill::guest
