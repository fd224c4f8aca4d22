///@file The Guest interface: a machine a drill runs commands in. Few virtual methods; every
/// other action is written once on top of them.
#pragma once

#include "guest/agent.hpp"
#include "util/text.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nixdrill::guest {

/// Default time limit of one guest command.
inline constexpr std::chrono::milliseconds defaultCommandTimeout{std::chrono::minutes(5)};

class Guest {
public:
    virtual ~Guest() = default;

    /// The libvirt domain name.
    virtual const std::string& name() const = 0;

    /// Boots the guest and returns once its agent answers.
    /// @throws GuestBroken (with the console's last lines) when it does not come up.
    virtual void start() = 0;

    /// The domain runs and its agent answers a ping.
    virtual bool isUp() = 0;

    /// The guest's own system already has the backup jobs' units and scripts (a NixOS guest
    /// built from the scenario): the drill uses them instead of installing rendered files.
    virtual bool providesBackupUnits() const { return false; }

    /// Asks the guest to power off and waits; destroys it when it does not stop in time.
    /// @throws WaitTimedOut when it had to be destroyed, vm::LibvirtError
    virtual void shutdown(std::chrono::milliseconds timeout) = 0;

    /// Hard power-off; never throws (a drill's cleanup must go on).
    virtual void destroy() noexcept = 0;

    /// A power cut: the machine stops at once (the disks keep only what reached them) and
    /// boots again from the same disks; returns once its agent answers.
    /// @throws GuestBroken when this guest cannot be power-cycled or does not come back.
    virtual void powerCycle(std::chrono::milliseconds bootTimeout);

    /// Runs `/bin/sh -c command` (with `input` on its stdin) and returns whatever it did.
    /// @throws util::TimeoutError, GuestBroken, vm::LibvirtError
    virtual ExecResult exec(std::string_view command, std::chrono::milliseconds timeout = defaultCommandTimeout,
                            std::optional<std::string> input = std::nullopt) = 0;

    // --- written once on top of the above ---

    /// Runs a command that must exit 0.
    /// @throws CommandFailed (with its output) otherwise, and whatever exec() throws.
    ExecResult succeed(std::string_view command, std::chrono::milliseconds timeout = defaultCommandTimeout);

    /// Runs a command that must exit non-zero.
    /// @throws CommandFailed when it exits 0.
    ExecResult fail(std::string_view command, std::chrono::milliseconds timeout = defaultCommandTimeout);

    /// Repeats a command until it exits 0.
    /// @throws WaitTimedOut with the last attempt's output.
    ExecResult waitUntilSucceeds(std::string_view command, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds interval = std::chrono::milliseconds(200));

    /// Repeats a command until it exits non-zero.
    /// @throws WaitTimedOut with the last attempt's output.
    ExecResult waitUntilFails(std::string_view command, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds interval = std::chrono::milliseconds(200));

    /// Waits until a systemd unit is active.
    /// @throws CommandFailed when the unit fails, WaitTimedOut.
    void waitForUnit(std::string_view unit, std::chrono::milliseconds timeout);

    /// What the agent channel has cost since this guest was created (all its boots); zero for
    /// guests without an agent.
    virtual AgentStats agentStats() const { return {}; }

    /// @throws vm::AgentCommandError (no such file, ...), vm::LibvirtError
    std::string readFile(std::string_view path);
    /// @throws vm::AgentCommandError, vm::LibvirtError
    void writeFile(std::string_view path, std::string_view data);
    /// @throws vm::AgentCommandError, vm::LibvirtError
    void setTime(std::chrono::system_clock::time_point time);

protected:
    /// The agent of a started guest.
    /// @throws GuestBroken when the guest is not running.
    virtual Agent& agent() = 0;
};

/// Single-quotes a word for /bin/sh: util::shellQuote, under the name guest callers use.
using util::shellQuote;

} // namespace nixdrill::guest
