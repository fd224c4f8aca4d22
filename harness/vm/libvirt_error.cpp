///@file libvirt initialization and error conversion.
#include "vm/libvirt_error.hpp"

#include <chrono>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <mutex>
#include <thread>

namespace nixdrill::vm::detail {

namespace {

void ignoreError(void*, virErrorPtr) {}

} // namespace

void initLibvirt() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Required before using libvirt from several threads (the signal cleanup thread).
        virInitialize();
        virSetErrorFunc(nullptr, ignoreError);
        // An event loop, so that connections can use keepalive (Connection): without it a
        // libvirtd that hangs with its socket open would block every call for ever.
        if (virEventRegisterDefaultImpl() == 0) {
            std::thread([] {
                for (;;) {
                    if (virEventRunDefaultImpl() < 0) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    }
                }
            }).detach();
        }
    });
}

int lastErrorCode() {
    virErrorPtr error = virGetLastError();
    return error != nullptr ? error->code : 0;
}

void throwLastError(const std::string& what) {
    virErrorPtr error = virGetLastError();
    int code = error != nullptr ? error->code : VIR_ERR_INTERNAL_ERROR;
    std::string message =
        what + ": " + (error != nullptr && error->message != nullptr ? error->message : "unknown libvirt error");
    switch (code) {
    case VIR_ERR_NO_DOMAIN:
        throw NoDomainError(message, code);
    case VIR_ERR_AGENT_UNRESPONSIVE:
    case VIR_ERR_AGENT_UNSYNCED:
        throw AgentUnavailableError(message, code);
    case VIR_ERR_INTERNAL_ERROR:
        // libvirt reports the agent's own error replies this way (qemuAgentCheckError).
        if (message.find("unable to execute QEMU agent command") != std::string::npos) {
            throw AgentCommandError(message, code);
        }
        throw LibvirtError(message, code);
    default:
        throw LibvirtError(message, code);
    }
}

} // namespace nixdrill::vm::detail
