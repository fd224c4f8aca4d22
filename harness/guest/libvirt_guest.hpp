///@file Guests that run as libvirt domains booted from a GuestImage, and the factory.
#pragma once

#include "guest/guest.hpp"
#include "guest/image.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"
#include "vm/domain_xml.hpp"
#include "vm/run_dir.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::guest {

struct GuestConfig {
    /// Domain name; use vm::domainName(runId, scenario).
    std::string name;
    std::string runId;
    vm::Accelerator accelerator = vm::Accelerator::Tcg;
    std::uint32_t memoryMiB = 512;
    std::uint32_t vcpus = 1;
    /// Data disks after the root disk (targets must not clash with vda on the systemd guest).
    std::vector<vm::DiskSpec> disks;
    std::vector<vm::ShareSpec> shares;
    /// Appended to the image's kernel command line.
    std::string extraCmdline;
    bool network = false;
    /// From domain creation to the first answered guest-ping.
    std::chrono::milliseconds bootTimeout{std::chrono::minutes(3)};
    /// Where the run directory (overlay, console log) is created.
    std::filesystem::path runRoot = vm::RunDir::defaultRoot();
};

/// Timings of the last start(), for reports and docs/vm.md.
struct BootTimes {
    std::chrono::duration<double> prepare{}; ///< run directory and overlays
    std::chrono::duration<double> create{};  ///< virDomainCreateXML
    std::chrono::duration<double> agent{};   ///< from created to the first answered ping
};

/// Shared by the image-booted guests: run directory, domain, agent.
class ImageGuest : public Guest {
public:
    ImageGuest(vm::Connection& connection, GuestImage image, GuestConfig config);
    ~ImageGuest() override;

    const std::string& name() const override { return config_.name; }
    void start() override;
    bool isUp() override;
    void shutdown(std::chrono::milliseconds timeout) override;
    void destroy() noexcept override;
    ExecResult exec(std::string_view command, std::chrono::milliseconds timeout = defaultCommandTimeout,
                    std::optional<std::string> input = std::nullopt) override;

    const BootTimes& bootTimes() const noexcept { return bootTimes_; }
    /// The run directory of the started guest (console.log, overlays).
    std::filesystem::path runDir() const;
    /// The serial console so far ("" before start).
    std::string consoleLog() const;
    const GuestImage& image() const noexcept { return image_; }

protected:
    Agent& agent() override;
    /// The disks of the domain (root overlay first where there is one), created in `dir`.
    virtual std::vector<vm::DiskSpec> prepareDisks(const std::filesystem::path& dir) = 0;

    GuestImage image_;
    GuestConfig config_;

private:
    std::string consoleTail(std::size_t lines) const;

    vm::Connection& connection_;
    std::optional<vm::RunDir> runDir_;
    std::optional<vm::Domain> domain_;
    std::unique_ptr<DomainAgentTransport> transport_;
    std::unique_ptr<Agent> agent_;
    BootTimes bootTimes_;
};

/// busybox + qemu-ga + restic in an initramfs; no root disk.
class InitramfsGuest final : public ImageGuest {
public:
    using ImageGuest::ImageGuest;

protected:
    std::vector<vm::DiskSpec> prepareDisks(const std::filesystem::path& dir) override;
};

/// Debian with systemd; the cached root disk is used through a per-drill qcow2 overlay (vda).
class SystemdGuest final : public ImageGuest {
public:
    using ImageGuest::ImageGuest;

protected:
    std::vector<vm::DiskSpec> prepareDisks(const std::filesystem::path& dir) override;
};

/// The guest implementation for `kind`.
/// @throws util::InputError when the image is of another kind, or for NixOS (not implemented yet).
std::unique_ptr<ImageGuest> makeGuest(GuestKind kind, vm::Connection& connection, GuestImage image, GuestConfig config);

} // namespace nixdrill::guest
