///@file The Guest actions written once on top of exec and the agent.
#include "guest/guest.hpp"

#include "guest/errors.hpp"

namespace nixdrill::guest {

void Guest::powerCycle(std::chrono::milliseconds) {
    throw GuestBroken("guest " + name() + " cannot be power-cycled");
}

ExecResult Guest::succeed(std::string_view command, std::chrono::milliseconds timeout) {
    auto result = exec(command, timeout);
    if (!result.succeeded()) {
        throw CommandFailed("expected success on " + name() + ": " + result.describe());
    }
    return result;
}

ExecResult Guest::fail(std::string_view command, std::chrono::milliseconds timeout) {
    auto result = exec(command, timeout);
    if (result.succeeded()) {
        throw CommandFailed("expected failure on " + name() + ": " + result.describe());
    }
    return result;
}

namespace {

// One attempt of waitUntil*: run the command within what is left of the deadline; a command
// that overruns counts as an unsuccessful attempt.
bool attemptCommand(Guest& guest, std::string_view command, bool wantSuccess, Clock::time_point deadline,
                    std::string& outcome, ExecResult& last) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    try {
        last = guest.exec(command, std::max(left, std::chrono::milliseconds(1000)));
    } catch (const util::TimeoutError& e) {
        outcome = e.what();
        return false;
    }
    outcome = last.describe();
    return last.succeeded() == wantSuccess;
}

} // namespace

ExecResult Guest::waitUntilSucceeds(std::string_view command, std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds interval) {
    ExecResult last;
    retryUntil("`" + std::string(command) + "` to succeed on " + name(), {timeout, interval},
               [&](Clock::time_point deadline, std::string& outcome) {
                   return attemptCommand(*this, command, true, deadline, outcome, last);
               });
    return last;
}

ExecResult Guest::waitUntilFails(std::string_view command, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds interval) {
    ExecResult last;
    retryUntil("`" + std::string(command) + "` to fail on " + name(), {timeout, interval},
               [&](Clock::time_point deadline, std::string& outcome) {
                   return attemptCommand(*this, command, false, deadline, outcome, last);
               });
    return last;
}

void Guest::waitForUnit(std::string_view unit, std::chrono::milliseconds timeout) {
    std::string command = "systemctl show --property=ActiveState --value " + shellQuote(unit);
    retryUntil("unit " + std::string(unit) + " to be active on " + name(), {timeout, std::chrono::milliseconds(200)},
               [&](Clock::time_point deadline, std::string& outcome) {
                   ExecResult last;
                   attemptCommand(*this, command, true, deadline, outcome, last);
                   std::string state = last.out.substr(0, last.out.find('\n'));
                   if (state == "failed") {
                       auto status =
                           exec("systemctl status --no-pager " + shellQuote(unit) + " 2>&1", std::chrono::seconds(30));
                       throw CommandFailed("unit " + std::string(unit) + " failed on " + name() + ":\n" + status.out);
                   }
                   outcome = "state " + (state.empty() ? std::string("unknown") : state) + "; " + outcome;
                   return state == "active";
               });
}

std::string Guest::readFile(std::string_view path) {
    return agent().readFile(path);
}

void Guest::writeFile(std::string_view path, std::string_view data) {
    agent().writeFile(path, data);
}

void Guest::setTime(std::chrono::system_clock::time_point time) {
    agent().setTime(time);
}

} // namespace nixdrill::guest
