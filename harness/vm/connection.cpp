///@file libvirt connection: opening, creating and listing domains.
#include "vm/connection.hpp"

#include "vm/libvirt_error.hpp"
#include "vm/signal_cleanup.hpp"

#include <cstdlib>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

namespace nixdrill::vm {

std::string Connection::defaultUri() {
    const char* uri = std::getenv("NIXDRILL_LIBVIRT_URI");
    return uri != nullptr && *uri != '\0' ? uri : "qemu:///system";
}

Connection::Connection(const std::string& uri) : uri_(uri) {
    detail::initLibvirt();
    conn_ = virConnectOpen(uri.c_str());
    if (conn_ == nullptr) {
        detail::throwLastError("cannot connect to libvirt at " + uri +
                               " (for qemu:///system run scripts/vm/start-libvirt.sh as root)");
    }
}

Connection::~Connection() {
    if (conn_ != nullptr) {
        virConnectClose(conn_);
    }
}

Connection::Connection(Connection&& other) noexcept : conn_(other.conn_), uri_(std::move(other.uri_)) {
    other.conn_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (conn_ != nullptr) {
            virConnectClose(conn_);
        }
        conn_ = other.conn_;
        uri_ = std::move(other.uri_);
        other.conn_ = nullptr;
    }
    return *this;
}

Domain Connection::createDomain(const DomainSpec& spec) {
    std::string xml = toDomainXml(spec);
    virDomainPtr dom = virDomainCreateXML(conn_, xml.c_str(), VIR_DOMAIN_NONE);
    if (dom == nullptr) {
        detail::throwLastError("cannot start VM '" + spec.name + "'");
    }
    return Domain(dom, spec.name, uri_, Domain::Ownership::Owned);
}

std::vector<DomainSummary> Connection::listDomains(std::string_view prefix) {
    virDomainPtr* domains = nullptr;
    int count = virConnectListAllDomains(conn_, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (count < 0) {
        detail::throwLastError("cannot list the VMs of " + uri_);
    }
    // Wrap every handle first so each is freed whatever happens below.
    std::vector<Domain> handles;
    handles.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const char* name = virDomainGetName(domains[i]);
        handles.push_back(Domain(domains[i], name != nullptr ? name : "", uri_, Domain::Ownership::Borrowed));
    }
    std::free(domains);
    std::vector<DomainSummary> result;
    for (const auto& handle : handles) {
        if (handle.name().substr(0, prefix.size()) != prefix) {
            continue;
        }
        try {
            result.push_back({handle.name(), handle.ownerMetadata()});
        } catch (const NoDomainError&) {
            // stopped while we were looking
        }
    }
    return result;
}

std::optional<Domain> Connection::lookupDomain(const std::string& name) {
    virDomainPtr dom = virDomainLookupByName(conn_, name.c_str());
    if (dom == nullptr) {
        if (detail::lastErrorCode() == VIR_ERR_NO_DOMAIN) {
            return std::nullopt;
        }
        detail::throwLastError("cannot look up VM '" + name + "'");
    }
    return Domain(dom, name, uri_, Domain::Ownership::Borrowed);
}

} // namespace nixdrill::vm
