///@file An open libvirt connection (RAII); the only way to create or find domains.
#pragma once

#include "vm/domain.hpp"
#include "vm/domain_xml.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct _virConnect;

namespace nixdrill::vm {

struct DomainSummary {
    std::string name;
    /// nixdrill's owner metadata; nullopt for domains nixdrill did not create.
    std::optional<OwnerMetadata> owner;
};

class Connection {
public:
    /// NIXDRILL_LIBVIRT_URI when set, else qemu:///system.
    static std::string defaultUri();

    /// @throws LibvirtError when libvirtd cannot be reached (is scripts/vm/start-libvirt.sh run?).
    explicit Connection(const std::string& uri = defaultUri());
    ~Connection();
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const std::string& uri() const noexcept { return uri_; }

    /// Starts a transient domain; it is destroyed when the returned Domain dies, and by the
    /// signal cleanup (installSignalCleanup) if the process is interrupted.
    /// @throws util::InputError for an invalid spec, LibvirtError when libvirt refuses it.
    Domain createDomain(const DomainSpec& spec);

    /// Starts a transient domain from a full domain XML (e.g. Domain::xml() of one that was
    /// destroyed: a power cut followed by a boot from the same disks).
    /// @throws LibvirtError when libvirt refuses it.
    Domain createDomainFromXml(const std::string& xml, const std::string& name);

    /// Starts a domain from a state file written by Domain::save, with `xml` (the saved domain
    /// XML with only host-side parts changed: disk sources, console path, metadata; libvirt
    /// refuses a different name or UUID). Owned like createDomain's domains.
    /// @throws LibvirtError when libvirt refuses the state or the XML.
    Domain restoreDomain(const std::filesystem::path& state, const std::string& xml, const std::string& name);

    /// The domain XML stored in a state file written by Domain::save.
    /// @throws LibvirtError when the file is missing or not a libvirt save image.
    std::string savedStateXml(const std::filesystem::path& state);

    /// Running domains whose name starts with `prefix`, with their owner metadata.
    /// @throws LibvirtError
    std::vector<DomainSummary> listDomains(std::string_view prefix = "nixdrill-");

    /// A borrowed handle (not destroyed when it dies), or nullopt when no such domain runs.
    /// @throws LibvirtError for errors other than "no such domain"
    std::optional<Domain> lookupDomain(const std::string& name);

    /// Makes sure the isolated network drill guests with a network join (isolatedNetworkXml:
    /// no forward) exists and runs; creates it as a transient network when missing.
    /// @throws util::InputError when a network of that name forwards, LibvirtError
    void ensureIsolatedNetwork();

private:
    _virConnect* conn_ = nullptr;
    std::string uri_;
};

} // namespace nixdrill::vm
