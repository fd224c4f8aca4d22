///@file Guests that run as libvirt domains booted from a GuestImage, and the factory.
#pragma once

#include "guest/guest.hpp"
#include "guest/image.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"
#include "vm/domain_xml.hpp"
#include "vm/run_dir.hpp"
#include "vm/saved_state.hpp"

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
    /// Start from a saved state (vm/saved_state.hpp): the first start of a shape boots, settles
    /// and saves the guest; later ones restore it with fresh overlays and the clock set. Falls
    /// back to a cold boot, saying why in BootTimes::note, when that is not possible.
    bool warmStart = false;
    std::filesystem::path warmRoot = vm::WarmCache::defaultRoot();
    /// Saved states per shape: how many guests of one shape can run warm at the same time.
    unsigned warmSlots = 4;
};

/// Timings of the last start(), for reports and docs/vm.md.
struct BootTimes {
    std::chrono::duration<double> prepare{}; ///< run directory and overlays
    std::chrono::duration<double> create{};  ///< virDomainCreateXML
    std::chrono::duration<double> agent{};   ///< from created to the first answered ping
    /// "cold" (booted), "warm" (restored from a saved state) or "warm-saved" (this start booted
    /// the guest, saved its state, then restored it: the next starts are warm).
    std::string mode = "cold";
    /// Why a warm start was not used, or what it did ("" when nothing to say).
    std::string note;
    std::chrono::duration<double> save{};     ///< warm-saved: booting, settling and saving the state
    std::chrono::duration<double> clockFix{}; ///< warm: guest-sync and guest-set-time after the restore
};

/// Shared by the image-booted guests: run directory, domain, agent.
class ImageGuest : public Guest {
public:
    ImageGuest(vm::Connection& connection, GuestImage image, GuestConfig config);
    ~ImageGuest() override;

    /// The domain's name: config.name, or the warm slot's fixed name after a warm start.
    const std::string& name() const override { return domainName_.empty() ? config_.name : domainName_; }
    void start() override;
    bool isUp() override;
    bool providesBackupUnits() const override { return image_.kind == GuestKind::NixOS; }
    void shutdown(std::chrono::milliseconds timeout) override;
    void destroy() noexcept override;
    void powerCycle(std::chrono::milliseconds bootTimeout) override;
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
    AgentStats agentStats() const override;
    /// The disks of the domain (root overlay first where there is one), created in `dir`.
    virtual std::vector<vm::DiskSpec> prepareDisks(const std::filesystem::path& dir) = 0;

    GuestImage image_;
    GuestConfig config_;

private:
    std::string consoleTail(std::size_t lines) const;
    void startCold(Clock::time_point t0);
    /// False (with bootTimes_.note set) when this guest cannot start warm.
    /// @throws util::Error when preparing or restoring the saved state fails
    bool startWarm(Clock::time_point t0);
    /// Boots the guest on frozen overlays in the slot, waits until it has settled, saves it.
    void prepareWarmSlot(vm::WarmSlot& slot);
    /// The cache key: image key and the domain XML this config renders (paths normalised).
    std::string warmKey() const;
    /// Connects the agent of domain_ and waits for it (console tail on failure).
    void connectAgent();
    /// Drops the current agent, keeping its counters.
    void retireAgent() noexcept;
    /// guest-sync with a fresh id: proves the restored agent channel carries new replies.
    /// @throws GuestBroken, vm::LibvirtError
    void syncAgent();
    /// Sets the guest's system clock to the host's (a restored guest's clock is stale).
    /// @throws GuestBroken, util::TimeoutError, vm::LibvirtError
    void setClockFromHost();
    void dropDomain() noexcept;

    vm::Connection& connection_;
    std::optional<vm::RunDir> runDir_;
    std::optional<vm::Domain> domain_;
    std::unique_ptr<DomainAgentTransport> transport_;
    std::unique_ptr<Agent> agent_;
    AgentStats pastAgents_; ///< the counters of the agents of earlier boots (power cycles, saves)
    BootTimes bootTimes_;
    /// Held while a guest restored from it runs (its name and UUID are the slot's).
    std::optional<vm::WarmSlot> warmSlot_;
    std::string domainName_;
    /// The console of a guest booting to be saved (there is no run directory yet).
    std::filesystem::path preparingConsole_;
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

/// The scenario's NixOS system (flake.nix, nix/nixos/guest.nix): kernel and initrd from the
/// system, its closure on an ext4 root disk used through a per-drill qcow2 overlay (vda), as
/// the Debian guest's; the backup jobs are the system's own restic-backups-<job> units.
class NixosGuest final : public ImageGuest {
public:
    using ImageGuest::ImageGuest;

protected:
    std::vector<vm::DiskSpec> prepareDisks(const std::filesystem::path& dir) override;
};

/// The domain of an image-booted guest: the image's kernel, initrd and command line (plus the
/// config's extra arguments), `rootDisks` first and then the config's disks, the console log in
/// `runDir`.
vm::DomainSpec makeDomainSpec(const GuestImage& image, const GuestConfig& config, std::vector<vm::DiskSpec> rootDisks,
                              const std::filesystem::path& runDir);

/// The guest implementation for `kind`.
/// @throws util::InputError when the image is of another kind.
std::unique_ptr<ImageGuest> makeGuest(GuestKind kind, vm::Connection& connection, GuestImage image, GuestConfig config);

} // namespace nixdrill::guest
