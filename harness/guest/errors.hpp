///@file The outcomes a guest action can end in, as exception types.
#pragma once

#include "util/error.hpp"

namespace nixdrill::guest {

// NIXDRILL_MAKE_ERROR needs an unqualified base name (it writes `using Base::Base;`).
using UtilError = util::Error;
using UtilTimeoutError = util::TimeoutError;
using UtilSystemError = util::SystemError;

/// Failed: an expectation about the guest was not met (`succeed` saw a non-zero exit, `fail`
/// saw zero, a unit entered "failed"). The drill failed; the harness is fine.
NIXDRILL_MAKE_ERROR(CommandFailed, UtilError);

/// Failed: a waitUntil* gave up. The message says what was awaited, for how long, and the last
/// attempt's outcome.
NIXDRILL_MAKE_ERROR(WaitTimedOut, UtilTimeoutError);

/// Broken: the guest cannot be driven (it did not boot, its agent vanished, the domain died).
NIXDRILL_MAKE_ERROR(GuestBroken, UtilSystemError);

} // namespace nixdrill::guest
