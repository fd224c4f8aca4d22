///@file A running libvirt domain.
#include "vm/domain.hpp"

#include "vm/libvirt_error.hpp"
#include "vm/signal_cleanup.hpp"

#include <cstdlib>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <thread>

namespace nixdrill::vm {

Domain::Domain(_virDomain* domain, std::string name, std::string uri, Ownership ownership)
    : dom_(domain), name_(std::move(name)), uri_(std::move(uri)), ownership_(ownership) {
    if (ownership_ == Ownership::Owned) {
        cleanupId_ = detail::registerDomain(uri_, name_);
    }
}

Domain::~Domain() {
    reset();
}

Domain::Domain(Domain&& other) noexcept
    : dom_(other.dom_), name_(std::move(other.name_)), uri_(std::move(other.uri_)), ownership_(other.ownership_),
      cleanupId_(other.cleanupId_) {
    other.dom_ = nullptr;
    other.cleanupId_ = 0;
}

Domain& Domain::operator=(Domain&& other) noexcept {
    if (this != &other) {
        reset();
        dom_ = other.dom_;
        name_ = std::move(other.name_);
        uri_ = std::move(other.uri_);
        ownership_ = other.ownership_;
        cleanupId_ = other.cleanupId_;
        other.dom_ = nullptr;
        other.cleanupId_ = 0;
    }
    return *this;
}

void Domain::reset() noexcept {
    if (dom_ == nullptr) {
        return;
    }
    if (ownership_ == Ownership::Owned) {
        // Best effort: a destructor cannot report, and the sweep catches what is left.
        virDomainDestroy(dom_);
    }
    if (cleanupId_ != 0) {
        detail::unregister(cleanupId_);
        cleanupId_ = 0;
    }
    virDomainFree(dom_);
    dom_ = nullptr;
}

void Domain::release() noexcept {
    ownership_ = Ownership::Borrowed;
    if (cleanupId_ != 0) {
        detail::unregister(cleanupId_);
        cleanupId_ = 0;
    }
}

bool Domain::isActive() const {
    int active = virDomainIsActive(dom_);
    if (active < 0) {
        if (detail::lastErrorCode() == VIR_ERR_NO_DOMAIN) {
            return false; // a transient domain disappears when it stops
        }
        detail::throwLastError("cannot query VM '" + name_ + "'");
    }
    return active == 1;
}

namespace {

/// The handle's connection is closed (libvirtd stopped or restarted under us). Resets the
/// thread's last libvirt error: read it first.
bool connectionLost(_virDomain* dom) {
    virConnectPtr conn = virDomainGetConnect(dom);
    return conn == nullptr || virConnectIsAlive(conn) != 1;
}

/// Destroys the domain `name` through a new connection, waiting up to 30 s for libvirtd to
/// come back. QEMU outlives libvirtd, and a restarted libvirtd finds its domains again.
/// @returns false when libvirtd did not answer in time.
bool destroyByNewConnection(const std::string& uri, const std::string& name) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (virConnectPtr conn = virConnectOpen(uri.c_str())) {
            if (virDomainPtr dom = virDomainLookupByName(conn, name.c_str())) {
                virDomainDestroy(dom);
                virDomainFree(dom);
            }
            virConnectClose(conn);
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

} // namespace

void Domain::destroy() {
    if (virDomainDestroy(dom_) < 0) {
        int code = detail::lastErrorCode();
        if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID) {
            return; // already stopped
        }
        if (connectionLost(dom_)) {
            if (destroyByNewConnection(uri_, name_)) {
                return;
            }
            throw LibvirtError("cannot destroy VM '" + name_ + "': the connection to " + uri_ +
                                   " was lost and libvirtd did not answer again within 30 s",
                               code);
        }
        detail::throwLastError("cannot destroy VM '" + name_ + "'");
    }
}

void Domain::shutdown(ShutdownMode mode) {
    unsigned flags = mode == ShutdownMode::Agent ? VIR_DOMAIN_SHUTDOWN_GUEST_AGENT : VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
    if (virDomainShutdownFlags(dom_, flags) < 0) {
        detail::throwLastError("cannot shut down VM '" + name_ + "'");
    }
}

bool Domain::waitUntilGone(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (!isActive()) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string Domain::agentCommand(const std::string& json, std::chrono::milliseconds timeout) {
    auto seconds = static_cast<int>((timeout.count() + 999) / 1000);
    char* reply = virDomainQemuAgentCommand(dom_, json.c_str(), seconds < 1 ? 1 : seconds, 0);
    if (reply == nullptr) {
        try {
            detail::throwLastError("guest agent of VM '" + name_ + "'");
        } catch (util::Error& e) {
            // libvirt's own message ("End of file while reading data") does not name the cause.
            if (connectionLost(dom_)) {
                e.addContext("the connection to libvirtd (" + uri_ + ") was lost: was libvirtd restarted or stopped?");
            }
            throw;
        }
    }
    std::string result(reply);
    std::free(reply);
    return result;
}

void Domain::save(const std::filesystem::path& state) {
    // RUNNING: a restore resumes the guest at once instead of leaving it paused.
    if (virDomainSaveFlags(dom_, state.c_str(), nullptr, VIR_DOMAIN_SAVE_RUNNING) < 0) {
        detail::throwLastError("cannot save VM '" + name_ + "' to " + state.string());
    }
}

std::string Domain::xml() const {
    char* xml = virDomainGetXMLDesc(dom_, 0);
    if (xml == nullptr) {
        detail::throwLastError("cannot read the XML of VM '" + name_ + "'");
    }
    std::string result(xml);
    std::free(xml);
    return result;
}

std::optional<OwnerMetadata> Domain::ownerMetadata() const {
    char* xml = virDomainGetMetadata(dom_, VIR_DOMAIN_METADATA_ELEMENT, std::string(ownerMetadataNamespace).c_str(),
                                     VIR_DOMAIN_AFFECT_CURRENT);
    if (xml == nullptr) {
        if (detail::lastErrorCode() == VIR_ERR_NO_DOMAIN_METADATA) {
            return std::nullopt;
        }
        detail::throwLastError("cannot read the metadata of VM '" + name_ + "'");
    }
    auto owner = parseOwnerMetadata(xml);
    std::free(xml);
    return owner;
}

} // namespace nixdrill::vm
