///@file Retry with a deadline.
#include "guest/retry.hpp"

#include "guest/errors.hpp"

#include <cstdio>
#include <thread>

namespace nixdrill::guest {

std::string formatSeconds(std::chrono::duration<double> duration) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f s", duration.count());
    return buffer;
}

void retryUntil(std::string_view what, const RetryPolicy& policy,
                const std::function<bool(Clock::time_point deadline, std::string& outcome)>& attempt) {
    auto start = Clock::now();
    auto deadline = start + policy.timeout;
    std::string outcome = "no attempt finished";
    int attempts = 0;
    for (;;) {
        ++attempts;
        std::string current;
        if (attempt(deadline, current)) {
            return;
        }
        outcome = current.empty() ? "unsuccessful" : current;
        auto now = Clock::now();
        if (now >= deadline) {
            break;
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(policy.interval, deadline - now));
    }
    throw WaitTimedOut("gave up waiting for " + std::string(what) + " after " + formatSeconds(Clock::now() - start) +
                       " (" + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
                       "); last attempt: " + outcome);
}

} // namespace nixdrill::guest
