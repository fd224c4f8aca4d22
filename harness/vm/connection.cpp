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
    // A ping every 5 s; 3 unanswered close the connection, so that a hung libvirtd fails the
    // calls waiting on it within about 20 s instead of blocking them (best effort: a driver
    // without keepalive support just goes without).
    virConnectSetKeepAlive(conn_, 5, 3);
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

Domain Connection::createDomainFromXml(const std::string& xml, const std::string& name) {
    virDomainPtr dom = virDomainCreateXML(conn_, xml.c_str(), VIR_DOMAIN_NONE);
    if (dom == nullptr) {
        detail::throwLastError("cannot start VM '" + name + "'");
    }
    return Domain(dom, name, uri_, Domain::Ownership::Owned);
}

Domain Connection::restoreDomain(const std::filesystem::path& state, const std::string& xml, const std::string& name) {
    // Registered for the signal cleanup before libvirt starts it, so an interrupt in between
    // still destroys it.
    auto guard = detail::registerDomain(uri_, name);
    if (virDomainRestoreFlags(conn_, state.c_str(), xml.c_str(), VIR_DOMAIN_SAVE_RUNNING) < 0) {
        detail::unregister(guard);
        detail::throwLastError("cannot restore VM '" + name + "' from " + state.string());
    }
    virDomainPtr dom = virDomainLookupByName(conn_, name.c_str());
    if (dom == nullptr) {
        detail::unregister(guard); // a domain that cannot be found is the sweep's business
        detail::throwLastError("cannot find VM '" + name + "' after restoring it");
    }
    Domain domain(dom, name, uri_, Domain::Ownership::Owned);
    detail::unregister(guard);
    return domain;
}

std::string Connection::savedStateXml(const std::filesystem::path& state) {
    char* xml = virDomainSaveImageGetXMLDesc(conn_, state.c_str(), 0);
    if (xml == nullptr) {
        detail::throwLastError("cannot read the domain XML of the saved state " + state.string());
    }
    std::string result(xml);
    std::free(xml);
    return result;
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

void Connection::ensureIsolatedNetwork() {
    std::string name(isolatedNetworkName);
    if (virNetworkPtr net = virNetworkLookupByName(conn_, name.c_str())) {
        // Refuse a same-named network someone gave a route out.
        char* xml = virNetworkGetXMLDesc(net, 0);
        bool forwards = xml == nullptr || std::string(xml).find("<forward") != std::string::npos;
        std::free(xml);
        int active = virNetworkIsActive(net);
        if (!forwards && active == 0 && virNetworkCreate(net) < 0) {
            virNetworkFree(net);
            detail::throwLastError("cannot start libvirt network '" + name + "'");
        }
        virNetworkFree(net);
        if (forwards) {
            throw util::InputError("libvirt network '" + name +
                                   "' exists with a <forward> element: drill guests only join an isolated network");
        }
        return;
    }
    // Transient: it disappears with libvirtd and leaves nothing defined on the host.
    virNetworkPtr net = virNetworkCreateXML(conn_, isolatedNetworkXml().c_str());
    if (net == nullptr) {
        if (virNetworkPtr raced = virNetworkLookupByName(conn_, name.c_str())) {
            virNetworkFree(raced); // another drill created it meanwhile
            return;
        }
        detail::throwLastError("cannot create the isolated libvirt network '" + name + "'");
    }
    virNetworkFree(net);
}

} // namespace nixdrill::vm
