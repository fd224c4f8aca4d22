///@file Drill guests from libvirt.
#include "cli/libvirt_provider.hpp"

#include "guest/libvirt_guest.hpp"
#include "vm/domain_xml.hpp"
#include "vm/sweep.hpp"

#include <cstdio>
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
    // The image first: a missing NixOS guest is reported as such, whatever libvirt's state.
    auto kind =
        guest::imageKindFor(guest::selectGuestKind(selection_, scenario.drill->guest), scenario.drill->zfs.has_value());
    const auto& image = imageFor(kind, scenario);
    auto& conn = connection();
    if (!accelerator_) {
        accelerator_ = vm::detectAccelerator();
        properties_["accelerator"] = std::string(vm::toString(accelerator_->accelerator));
        properties_["accelerator.reason"] = accelerator_->reason;
    }
    guest::GuestConfig config;
    config.name = vm::domainName(runId_, scenario.name);
    config.runId = runId_;
    config.accelerator = accelerator_->accelerator;
    config.memoryMiB = scenario.drill->memoryMiB;
    config.vcpus = scenario.drill->vcpus;
    config.bootTimeout = std::chrono::seconds(scenario.drill->bootTimeoutSeconds);
    config.network = scenario.drill->network; // none unless the scenario asks (then isolated)
    config.warmStart = warm_;
    properties_["guest.start"] = warm_ ? "warm" : "cold";
    return guest::makeGuest(kind, conn, image, config);
}

const guest::GuestImage& LibvirtGuestProvider::imageFor(guest::GuestKind kind, const model::Scenario& scenario) {
    if (kind == guest::GuestKind::NixOS) {
        // Each scenario has its own NixOS system (its jobs are units of that system).
        auto it = nixosImages_.find(scenario.name);
        if (it == nixosImages_.end()) {
            it = nixosImages_.emplace(scenario.name, guest::resolveNixosImage(selection_.image, scenario.name)).first;
            properties_["guest.nixos." + scenario.name] = it->second.key;
            properties_["guest.kernel.nixos"] = it->second.kernelVersion;
        }
        return it->second;
    }
    auto it = images_.find(kind);
    if (it == images_.end()) {
        it = images_.emplace(kind, guest::buildGuestImage(kind)).first;
        properties_["guest.image"] = std::string(guest::toString(kind)) + "-" + it->second.key;
        properties_["guest.kernel"] = it->second.kernelVersion;
    }
    return it->second;
}

std::filesystem::path LibvirtGuestProvider::hostScratch(guest::Guest& guest) {
    auto* image = dynamic_cast<guest::ImageGuest*>(&guest);
    return image != nullptr ? image->runDir() : std::filesystem::path();
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

std::map<std::string, std::string> LibvirtGuestProvider::guestFacts(guest::Guest& guest) {
    auto* image = dynamic_cast<guest::ImageGuest*>(&guest);
    if (image == nullptr) {
        return {};
    }
    const auto& t = image->bootTimes();
    auto fmt = [](std::chrono::duration<double> d) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", d.count());
        return std::string(buf);
    };
    std::map<std::string, std::string> facts{
        {"start", t.mode},
        {"boot", fmt(t.prepare + t.create + t.agent)},
        {"boot.prepare", fmt(t.prepare)},
        {"boot.create", fmt(t.create)},
        {"boot.agent", fmt(t.agent)},
    };
    if (t.mode != "cold") {
        facts["boot.clockFix"] = fmt(t.clockFix);
    }
    if (t.mode == "warm-saved") {
        facts["boot.save"] = fmt(t.save);
    }
    if (!t.note.empty()) {
        facts["start.note"] = t.note;
    }
    return facts;
}

std::map<std::string, std::string> LibvirtGuestProvider::properties() {
    return properties_;
}

} // namespace nixdrill::cli
