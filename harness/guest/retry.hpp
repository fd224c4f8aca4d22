///@file The one retry primitive: repeat an attempt until it succeeds or a deadline passes.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace nixdrill::guest {

using Clock = std::chrono::steady_clock;

struct RetryPolicy {
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// Pause between the end of one attempt and the start of the next.
    std::chrono::milliseconds interval{std::chrono::milliseconds(200)};
};

/// Calls `attempt(deadline, outcome)` until it returns true. `outcome` is for the attempt to
/// describe what it saw ("exit 1, stdout: ..."); the last one goes into the timeout message.
/// An attempt may be started just before the deadline and is given the deadline so it can bound
/// its own work. Exceptions from `attempt` propagate (an attempt catches what it wants retried).
/// @throws WaitTimedOut "gave up waiting for <what> after 12.3 s (7 attempts); last attempt: <outcome>"
void retryUntil(std::string_view what, const RetryPolicy& policy,
                const std::function<bool(Clock::time_point deadline, std::string& outcome)>& attempt);

/// "12.3 s" — how the harness writes durations in messages.
std::string formatSeconds(std::chrono::duration<double> duration);

} // namespace nixdrill::guest
