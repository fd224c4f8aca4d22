///@file Errors reported by libvirt, converted into nixdrill's exception types.
#pragma once

#include "util/error.hpp"

#include <string>

namespace nixdrill::vm {

/// libvirt refused or failed an operation; `code()` is libvirt's virErrorNumber.
class LibvirtError : public util::SystemError {
public:
    LibvirtError(std::string message, int code) : util::SystemError(std::move(message)), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// The domain does not exist (any more).
NIXDRILL_MAKE_ERROR(NoDomainError, LibvirtError);
/// The guest agent is not connected or did not answer in time; polling retries on this.
NIXDRILL_MAKE_ERROR(AgentUnavailableError, LibvirtError);
/// The guest agent ran the command and answered with an error (no such file, ...).
NIXDRILL_MAKE_ERROR(AgentCommandError, LibvirtError);

namespace detail {

/// Initializes libvirt once per process and silences its default error printer: errors are
/// turned into exceptions instead (polling an agent that is not up yet would otherwise print
/// "agent not connected" on stderr every 50 ms).
void initLibvirt();

/// Throws the calling thread's last libvirt error as the matching exception, `what` first:
/// "<what>: <libvirt's message>".
/// @throws NoDomainError, AgentUnavailableError, AgentCommandError, LibvirtError (always)
[[noreturn]] void throwLastError(const std::string& what);

/// The calling thread's last libvirt error code (0 when none).
int lastErrorCode();

} // namespace detail

} // namespace nixdrill::vm
