///@file A machine of a drill: one guest in a role, driven with the step's time limits.
#include "engine/drill/machine.hpp"

#include "guest/errors.hpp"

#include <algorithm>

namespace nixdrill::engine::drill {

StepClock::StepClock(std::chrono::milliseconds stepTimeout, std::optional<Clock::time_point> deadline)
    : configured_(stepTimeout), step_(stepTimeout), deadline_(deadline) {}

bool StepClock::pastDeadline() const {
    return deadline_ && Clock::now() >= *deadline_;
}

std::chrono::milliseconds StepClock::limitToDeadline(std::chrono::milliseconds timeout) const {
    if (!deadline_) {
        return timeout;
    }
    // Rounded up: a call that times out then ends at or after the deadline, never just before.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - Clock::now());
    return std::max(std::chrono::milliseconds(1000), std::min(timeout, left));
}

Machine::Machine(std::string role, guest::Guest& guest, const StepClock& clock, const util::Redactor& redactor)
    : role_(std::move(role)), guest_(guest), clock_(clock), redactor_(redactor) {}

guest::ExecResult Machine::sh(const std::string& command) {
    return guest_.exec(command, clock_.limitToDeadline(clock_.stepTimeout()));
}

guest::ExecResult Machine::must(const std::string& command) {
    auto r = sh(command);
    if (!r.succeeded()) {
        throw guest::CommandFailed(redactor_.apply(r.describe()));
    }
    return r;
}

guest::ExecResult Machine::exec(const std::string& command, std::string input) {
    return guest_.exec(command, clock_.stepTimeout(), std::move(input));
}

double Machine::uptime() {
    auto r = must("cut -d' ' -f1 /proc/uptime");
    try {
        return std::stod(r.out);
    } catch (const std::exception&) {
        throw util::SystemError("cannot read the guest's uptime: '" + r.out + "'");
    }
}

std::string Machine::activeState(const std::string& unit) {
    auto active = sh("systemctl is-active " + guest::shellQuote(unit)).out;
    while (!active.empty() && active.back() == '\n') {
        active.pop_back();
    }
    return active;
}

} // namespace nixdrill::engine::drill
