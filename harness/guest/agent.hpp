///@file Driving a guest through the QEMU guest agent: ping, exec, files, time.
#pragma once

#include "guest/agent_protocol.hpp"
#include "guest/retry.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nixdrill::vm {
class Domain;
}

namespace nixdrill::guest {

/// Where agent commands go: the libvirt domain in production, a fake in unit tests.
class AgentTransport {
public:
    virtual ~AgentTransport() = default;
    /// Sends one JSON command and returns the raw JSON reply.
    /// @throws vm::AgentUnavailableError (not connected / no answer in time), vm::NoDomainError,
    ///         vm::AgentCommandError, vm::LibvirtError
    virtual std::string command(const std::string& json, std::chrono::milliseconds timeout) = 0;
};

/// The transport through virDomainQemuAgentCommand.
class DomainAgentTransport final : public AgentTransport {
public:
    explicit DomainAgentTransport(vm::Domain& domain) : domain_(domain) {}
    std::string command(const std::string& json, std::chrono::milliseconds timeout) override;

private:
    vm::Domain& domain_;
};

/// What a command did in the guest.
struct ExecResult {
    std::string command;
    /// -1 when the command was killed by a signal.
    int exitCode = -1;
    std::optional<int> signal;
    std::string out;
    std::string err;
    /// The agent cut the output (it keeps at most 16 MiB per stream).
    bool truncated = false;
    std::chrono::duration<double> elapsed{};

    bool succeeded() const noexcept { return exitCode == 0 && !signal; }
    /// "`cmd` exited with 1 after 0.1 s; stdout: ...; stderr: ..." (outputs cut to their tails).
    std::string describe() const;
};

struct AgentOptions {
    /// How often guest-exec-status is polled at most (it starts faster, for quick commands).
    std::chrono::milliseconds pollInterval{50};
    /// Bytes per guest-file-read: the base64 reply (a third larger) must stay under libvirt's
    /// limits (4 MiB per RPC string, 10 MiB per agent reply).
    std::size_t readChunk = 2 * 1024 * 1024;
    /// Bytes per guest-file-write. Host-to-guest agent messages of ~200 KiB and more make qemu-ga
    /// in a TCG guest spin for 30+ s (measured: 128 KiB chunks took 37 ms each; 176 KiB chunks,
    /// 240 KB of base64, never finished). 64 KiB keeps a wide margin at ~2.7 MB/s.
    std::size_t writeChunk = 64 * 1024;
};

/// What the agent channel cost so far: the harness's share of a drill's time (issue: harness
/// overhead) is read from here.
struct AgentStats {
    /// One kind of RPC (guest-exec, guest-exec-status, guest-file-write, guest-ping, ...).
    struct Rpc {
        std::uint64_t calls = 0;
        std::chrono::duration<double> time{};    ///< wall time waiting for replies
        std::chrono::duration<double> fastest{}; ///< the quickest reply: the channel's own latency bound
    };
    std::map<std::string, Rpc> byCommand;
    std::uint64_t calls = 0;                 ///< agent RPCs (exec, exec-status polls, file chunks, ping)
    std::chrono::duration<double> inCalls{}; ///< wall time spent waiting for RPC replies
    std::uint64_t execs = 0;                 ///< commands run
    std::chrono::duration<double> inExecs{}; ///< wall time from each command's start to its exit being seen
    std::uint64_t polls = 0;                 ///< guest-exec-status calls that found the command still running
    std::chrono::duration<double> inPolls{}; ///< time of those polls (spent while the command ran in the guest)

    AgentStats& operator+=(const AgentStats& o) {
        calls += o.calls;
        inCalls += o.inCalls;
        execs += o.execs;
        inExecs += o.inExecs;
        polls += o.polls;
        inPolls += o.inPolls;
        for (const auto& [name, rpc] : o.byCommand) {
            auto& mine = byCommand[name];
            mine.fastest = mine.calls == 0 ? rpc.fastest : std::min(mine.fastest, rpc.fastest);
            mine.calls += rpc.calls;
            mine.time += rpc.time;
        }
        return *this;
    }
};

class Agent {
public:
    explicit Agent(AgentTransport& transport, AgentOptions options = {});

    /// Counters since construction (not thread-safe: one thread drives a guest).
    const AgentStats& stats() const { return stats_; }

    /// True when guest-ping is answered within `timeout`; false when the agent is not connected
    /// or does not answer.
    /// @throws vm::NoDomainError when the domain is gone, vm::LibvirtError for other failures.
    bool ping(std::chrono::milliseconds timeout = std::chrono::seconds(1));

    /// Pings every 50 ms until the agent answers.
    /// @throws WaitTimedOut, vm::NoDomainError (the guest died while booting)
    void waitUntilConnected(std::chrono::milliseconds timeout);

    /// Starts a program and polls until it exits. On timeout the guest process is killed (best
    /// effort) and util::TimeoutError thrown.
    /// @throws util::TimeoutError, vm::AgentCommandError (cannot start it), vm::LibvirtError
    ExecResult exec(const protocol::ExecRequest& request, std::chrono::milliseconds timeout);

    /// `/bin/sh -c command`.
    /// @throws as exec(), util::InputError when `input` is over 64 KiB (see writeChunk; write a
    ///         file instead)
    ExecResult run(std::string_view command, std::chrono::milliseconds timeout,
                   std::optional<std::string> input = std::nullopt);

    /// Reads a whole guest file in chunks (any size; each agent reply stays small).
    /// @throws vm::AgentCommandError (no such file, ...), vm::LibvirtError
    std::string readFile(std::string_view path);

    /// Creates or truncates a guest file and writes `data` in chunks.
    /// @throws vm::AgentCommandError, vm::LibvirtError
    void writeFile(std::string_view path, std::string_view data);

    /// Sets the guest's clock (and its RTC, through hwclock in the guest).
    /// @throws vm::AgentCommandError, vm::LibvirtError
    void setTime(std::chrono::system_clock::time_point time);

private:
    nlohmann::json call(const std::string& json, const char* what, std::chrono::milliseconds timeout);
    void closeFile(std::int64_t handle) noexcept;

    AgentTransport& transport_;
    AgentOptions options_;
    AgentStats stats_;
    std::chrono::duration<double> lastCallTook_{}; ///< of the latest call(), for inPolls
};

} // namespace nixdrill::guest
