///@file Drill guests from libvirt: the production GuestProvider.
#pragma once

#include "engine/drill_suite.hpp"
#include "guest/image.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"

#include <map>
#include <optional>

namespace nixdrill::cli {

class LibvirtGuestProvider final : public engine::GuestProvider {
public:
    LibvirtGuestProvider(std::string uri, std::string runId);

    /// Connects, sweeps what dead runs left, detects the accelerator and builds (or takes from
    /// the cache) the guest image on first use.
    /// @throws vm::LibvirtError, util::SystemError (image build), util::InputError
    std::unique_ptr<guest::Guest> create(const model::Scenario& scenario) override;
    std::string consoleTail(guest::Guest& guest) override;
    std::filesystem::path hostScratch(guest::Guest& guest) override;
    std::map<std::string, std::string> properties() override;
    /// start (cold, warm, warm-saved), boot (seconds to a usable agent) and its parts.
    std::map<std::string, std::string> guestFacts(guest::Guest& guest) override;

    /// Drill guests start from saved states unless --cold (docs/vm.md, "Warm starts").
    void setWarmStart(bool warm) { warm_ = warm; }

    /// --guest / --guest-image: which guest each drill gets (default: the scenario's drill.guest).
    void setGuestSelection(guest::GuestSelection selection) { selection_ = std::move(selection); }

private:
    vm::Connection& connection();
    /// The (cached) image of a drill's guest: built by build-guest.sh for Debian, the
    /// scenario's own from --guest-image for NixOS.
    /// @throws util::InputError (no NixOS image), util::SystemError (image build)
    const guest::GuestImage& imageFor(guest::GuestKind kind, const model::Scenario& scenario);

    std::string uri_;
    std::string runId_;
    std::optional<vm::Connection> connection_;
    std::optional<vm::AcceleratorChoice> accelerator_;
    std::map<guest::GuestKind, guest::GuestImage> images_;
    std::map<std::string, guest::GuestImage> nixosImages_; ///< by scenario
    guest::GuestSelection selection_;
    std::map<std::string, std::string> properties_;
    bool warm_ = true;
};

} // namespace nixdrill::cli
