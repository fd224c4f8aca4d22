///@file A running libvirt domain (RAII: an owned domain is destroyed with its handle).
#pragma once

#include "vm/domain_xml.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct _virDomain;

namespace nixdrill::vm {

enum class ShutdownMode {
    Agent, ///< guest-shutdown through the guest agent (works without acpid)
    Acpi,  ///< ACPI power button (needs acpid or systemd-logind in the guest)
};

class Domain {
public:
    enum class Ownership { Owned, Borrowed };

    ~Domain();
    Domain(Domain&& other) noexcept;
    Domain& operator=(Domain&& other) noexcept;
    Domain(const Domain&) = delete;
    Domain& operator=(const Domain&) = delete;

    const std::string& name() const noexcept { return name_; }

    /// False once the (transient) domain has stopped.
    /// @throws LibvirtError
    bool isActive() const;

    /// Hard power-off (SIGTERM, then SIGKILL to QEMU). A domain already gone is fine.
    /// @throws LibvirtError
    void destroy();

    /// Asks the guest to power off; returns at once (see waitUntilGone).
    /// @throws LibvirtError, AgentUnavailableError (Agent mode without a connected agent)
    void shutdown(ShutdownMode mode = ShutdownMode::Agent);

    /// Polls every 50 ms until the domain has stopped; false when it still runs at the timeout.
    /// @throws LibvirtError
    bool waitUntilGone(std::chrono::milliseconds timeout);

    /// Sends one QEMU guest agent command (JSON) and returns the raw JSON reply.
    /// `timeout` is rounded up to whole seconds (libvirt's unit), at least 1 s.
    /// @throws AgentUnavailableError when the agent is not connected or does not answer in time,
    ///         NoDomainError when the domain is gone, LibvirtError otherwise.
    std::string agentCommand(const std::string& json, std::chrono::milliseconds timeout);

    /// The live domain XML (with the paths and devices libvirt filled in).
    /// @throws LibvirtError
    std::string xml() const;

    /// nixdrill's owner metadata, nullopt when absent.
    /// @throws LibvirtError for errors other than "no metadata"
    std::optional<OwnerMetadata> ownerMetadata() const;

    /// Saves the guest's memory and device state to `state` (virDomainSaveFlags); the domain
    /// stops. Its disks are not copied: whoever restores it must give it disks in exactly the
    /// state they had at this moment (see vm/saved_state.hpp).
    /// @throws LibvirtError
    void save(const std::filesystem::path& state);

    /// Keeps the domain running after this handle dies (for debugging a failed drill).
    void release() noexcept;

private:
    friend class Connection;
    Domain(_virDomain* domain, std::string name, std::string uri, Ownership ownership);
    void reset() noexcept;

    _virDomain* dom_ = nullptr;
    std::string name_;
    std::string uri_;
    Ownership ownership_ = Ownership::Borrowed;
    std::uint64_t cleanupId_ = 0;
};

} // namespace nixdrill::vm
