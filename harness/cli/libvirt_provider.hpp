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
    std::map<std::string, std::string> properties() override;

private:
    vm::Connection& connection();

    std::string uri_;
    std::string runId_;
    std::optional<vm::Connection> connection_;
    std::optional<vm::AcceleratorChoice> accelerator_;
    std::map<guest::GuestKind, guest::GuestImage> images_;
    std::map<std::string, std::string> properties_;
};

} // namespace nixdrill::cli
