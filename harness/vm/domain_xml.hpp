///@file What a drill VM looks like (DomainSpec) and its libvirt domain XML.
#pragma once

#include "vm/accelerator.hpp"
#include "vm/owner.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::vm {

/// The private libvirt network a drill guest that asks for a network is put on.
inline constexpr std::string_view isolatedNetworkName = "nixdrill-isolated";

struct DiskSpec {
    std::filesystem::path path;
    std::string format = "qcow2"; ///< "qcow2" or "raw"
    std::string target = "vda";   ///< guest device name: vda, vdb, ...
    bool readOnly = false;
    /// "unsafe" skips host flushes: drill disks are throwaway and it is much faster; use
    /// "none"/"writeback" when a fault scenario needs real flush semantics.
    std::string cache = "unsafe";
    /// Shown in the guest as /dev/disk/by-id/virtio-<serial> (with udev); empty for none.
    std::string serial;
};

/// A host directory shared over virtio-9p, mounted in the guest with `-t 9p -o trans=virtio TAG`.
struct ShareSpec {
    std::filesystem::path source;
    std::string tag;
    bool readOnly = false;
};

/// Recorded in the domain's metadata so a later run can tell a leaked domain from a live one.
struct OwnerMetadata {
    Owner owner;
    std::string runId;
    /// The run directory to delete with the domain (empty for none).
    std::filesystem::path runDir;

    bool operator==(const OwnerMetadata&) const = default;
};

struct DomainSpec {
    std::string name;
    Accelerator accelerator = Accelerator::Tcg;
    std::uint32_t memoryMiB = 512;
    std::uint32_t vcpus = 1;
    /// Direct kernel boot; an uncompressed vmlinux boots through PVH (fastest).
    std::filesystem::path kernel;
    std::optional<std::filesystem::path> initrd;
    std::string cmdline;
    std::vector<DiskSpec> disks;
    std::vector<ShareSpec> shares;
    /// virtio-serial channel name of the guest agent.
    std::string agentChannel = "org.qemu.guest_agent.0";
    /// Serial console (ttyS0) written to this file; none when empty.
    std::optional<std::filesystem::path> consoleLog;
    /// A virtio NIC on the libvirt network `networkName` (isolatedNetworkXml: no forward, no
    /// route out). Off by default: a drill guest has no network interface unless it asks.
    bool network = false;
    std::string networkName = std::string(isolatedNetworkName);
    std::optional<OwnerMetadata> owner;
    /// A VM generation ID device (<genid/>): libvirt changes the ID when the domain is restored
    /// from a saved state, and the guest kernel (CONFIG_VMGENID) then reseeds its random number
    /// generator, so guests restored from one state do not share random numbers.
    bool generationId = false;
};

/// XML namespace of nixdrill's domain metadata element.
inline constexpr std::string_view ownerMetadataNamespace = "http://nixdrill.dev/xmlns/owner/1";

/// A libvirt domain name "nixdrill-<runId>-<scenario>": characters outside [A-Za-z0-9_.-]
/// become '-', and the result is cut to 100 characters.
std::string domainName(std::string_view runId, std::string_view scenario);

/// Renders the domain XML for virDomainCreateXML: TCG (type 'qemu', cpu mode 'maximum') or KVM
/// (type 'kvm', host-passthrough), ACPI and APIC (without ACPI the guest has no good clock),
/// direct kernel boot, virtio disks, the agent channel, no USB/balloon/graphics, and the domain
/// is destroyed when the guest powers off, reboots or crashes.
/// @throws util::InputError when the spec is invalid (empty name or kernel, bad disk, ...).
std::string toDomainXml(const DomainSpec& spec);

/// The XML of an isolated libvirt network (virNetworkCreateXML): a host-only bridge with DHCP
/// and no <forward> element, so libvirt routes nothing from it to the outside world; guests on
/// it reach only each other and the bridge's host address.
/// @throws util::InputError when the name is empty or has characters outside [A-Za-z0-9_.-].
std::string isolatedNetworkXml(std::string_view name = isolatedNetworkName);

/// Reads the owner element returned by virDomainGetMetadata (nullopt when it is not ours or is
/// malformed).
std::optional<OwnerMetadata> parseOwnerMetadata(std::string_view xml);

} // namespace nixdrill::vm
