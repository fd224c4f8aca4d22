///@file A machine of a drill: one guest in a role, driven with the step's time limits.
#pragma once

#include "guest/guest.hpp"
#include "util/redact.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace nixdrill::engine::drill {

/// The time limits of the running step: the drill's step timeout, cut to what is left before
/// the drill's deadline when the step starts and again at each command.
class StepClock {
public:
    using Clock = std::chrono::steady_clock;

    StepClock(std::chrono::milliseconds stepTimeout, std::optional<Clock::time_point> deadline);

    bool pastDeadline() const;
    /// `timeout`, cut to what is left before the deadline (at least 1 s, so that a call made
    /// right at the deadline fails with its own "did not finish" message).
    std::chrono::milliseconds limitToDeadline(std::chrono::milliseconds timeout) const;
    /// A step begins: its timeout is the configured one, cut to the deadline.
    void startStep() { step_ = limitToDeadline(configured_); }
    /// The running step's timeout (as cut when it began).
    std::chrono::milliseconds stepTimeout() const { return step_; }

private:
    std::chrono::milliseconds configured_;
    std::chrono::milliseconds step_;
    std::optional<Clock::time_point> deadline_;
};

/// One guest of a drill and its role ("client": the machine whose jobs are drilled). Every
/// command runs within the running step's time limits; failures quote the guest's output with
/// the drill's secrets redacted.
class Machine {
public:
    Machine(std::string role, guest::Guest& guest, const StepClock& clock, const util::Redactor& redactor);

    const std::string& role() const noexcept { return role_; }
    guest::Guest& guest() noexcept { return guest_; }
    /// The running step's timeout (for the faults library, which drives the guest itself).
    std::chrono::milliseconds stepTimeout() const { return clock_.stepTimeout(); }

    /// Runs a shell command, whatever it exits with.
    guest::ExecResult sh(const std::string& command);
    /// Runs a command that must succeed for the drill to go on: failing means the harness or
    /// the guest is broken, not the backup system.
    /// @throws guest::CommandFailed (Broken)
    guest::ExecResult must(const std::string& command);
    /// Runs a command with `input` on its stdin, within the step's timeout.
    guest::ExecResult exec(const std::string& command, std::string input);
    void writeFile(const std::string& path, const std::string& data) { guest_.writeFile(path, data); }

    /// Seconds since the guest booted (the clock of systemd's monotonic timestamps).
    double uptime();
    /// `systemctl is-active UNIT`, newline dropped.
    std::string activeState(const std::string& unit);

private:
    std::string role_;
    guest::Guest& guest_;
    const StepClock& clock_;
    const util::Redactor& redactor_;
};

} // namespace nixdrill::engine::drill
