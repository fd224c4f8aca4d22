///@file Drill guests from libvirt.
#include "cli/libvirt_provider.hpp"

#include "guest/libvirt_guest.hpp"
#include "vm/domain_xml.hpp"
#include "vm/sweep.hpp"

#include <sstream>

namespace nixdrill::cli {

LibvirtGuestProvider::LibvirtGuestProvider(std::string uri, std::string runId)
    : uri_(std::move(uri)), runId_(std::move(runId)) {}

vm::Connection& LibvirtGuestProvider::connection() {
    if (!connection_) {
        connection_.emplace(uri_);
        auto swept = vm::sweepLeftovers(*connection_);
        properties_["libvirt.uri"] = connection_->uri();
        properties_["sweep.domains"] = std::to_string(swept.destroyedDomains.size());
        properties_["sweep.directories"] = std::to_string(swept.removedDirectories.size());
    }
    return *connection_;
}

std::unique_ptr<guest::Guest> LibvirtGuestProvider::create(const model::Scenario& scenario) {
    auto& conn = connection();
    if (!accelerator_) {
        accelerator_ = vm::detectAccelerator();
        properties_["accelerator"] = std::string(vm::toString(accelerator_->accelerator));
        properties_["accelerator.reason"] = accelerator_->reason;
    }
    // Debian's systemd guest is the only drill guest here; NixOS guests come with flake.nix.
    auto kind = guest::GuestKind::Systemd;
    auto it = images_.find(kind);
    if (it == images_.end()) {
        it = images_.emplace(kind, guest::buildGuestImage(kind)).first;
        properties_["guest.image"] = std::string(guest::toString(kind)) + "-" + it->second.key;
        properties_["guest.kernel"] = it->second.kernelVersion;
    }
    guest::GuestConfig config;
    config.name = vm::domainName(runId_, scenario.name);
    config.runId = runId_;
    config.accelerator = accelerator_->accelerator;
    config.memoryMiB = scenario.drill->memoryMiB;
    config.vcpus = scenario.drill->vcpus;
    config.bootTimeout = std::chrono::seconds(scenario.drill->bootTimeoutSeconds);
    return guest::makeGuest(kind, conn, it->second, config);
}

std::string LibvirtGuestProvider::consoleTail(guest::Guest& guest) {
    auto* image = dynamic_cast<guest::ImageGuest*>(&guest);
    if (image == nullptr) {
        return "";
    }
    std::string log = image->consoleLog();
    // The last 40 lines are what says why a boot or a command went wrong.
    std::size_t pos = log.size();
    for (int lines = 0; lines < 40 && pos > 0; ++lines) {
        pos = log.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            pos = 0;
            break;
        }
    }
    return log.substr(pos);
}

std::map<std::string, std::string> LibvirtGuestProvider::properties() {
    return properties_;
}

} // namespace nixdrill::cli
