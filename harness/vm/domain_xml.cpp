///@file Domain XML rendering with pugixml.
#include "vm/domain_xml.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cctype>
#include <pugixml.hpp>
#include <set>
#include <sstream>

namespace nixdrill::vm {

namespace {

bool isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

void validate(const DomainSpec& spec) {
    auto fail = [&](const std::string& what) { throw util::InputError("invalid VM '" + spec.name + "': " + what); };
    if (spec.name.empty() || !std::all_of(spec.name.begin(), spec.name.end(), isNameChar)) {
        throw util::InputError("invalid VM name '" + spec.name + "': use letters, digits, '_', '-', '.'");
    }
    if (spec.memoryMiB == 0 || spec.vcpus == 0) {
        fail("memory and vCPUs must be positive");
    }
    if (spec.kernel.empty()) {
        fail("no kernel");
    }
    if (spec.agentChannel.empty()) {
        fail("no guest agent channel name");
    }
    std::set<std::string> targets;
    for (const auto& disk : spec.disks) {
        if (disk.path.empty()) {
            fail("a disk has no path");
        }
        if (disk.format != "qcow2" && disk.format != "raw") {
            fail("disk " + disk.path.string() + ": format must be qcow2 or raw, not '" + disk.format + "'");
        }
        if (disk.target.size() < 3 || disk.target.rfind("vd", 0) != 0) {
            fail("disk " + disk.path.string() + ": target must be vda, vdb, ..., not '" + disk.target + "'");
        }
        if (!targets.insert(disk.target).second) {
            fail("two disks use target " + disk.target);
        }
    }
    std::set<std::string> tags;
    for (const auto& share : spec.shares) {
        if (share.tag.empty() || share.source.empty() || !tags.insert(share.tag).second) {
            fail("a share has no source, no tag or a duplicate tag '" + share.tag + "'");
        }
    }
}

pugi::xml_node child(pugi::xml_node parent, const char* name, const std::string& text = {}) {
    auto node = parent.append_child(name);
    if (!text.empty()) {
        node.text().set(text.c_str());
    }
    return node;
}

void attr(pugi::xml_node node, const char* name, const std::string& value) {
    node.append_attribute(name).set_value(value.c_str());
}

// toDomainXml's element groups, one function each, called in document order (tests/unit/vm/data).

/// <metadata><nixdrill:owner/>: so a later run can tell a leaked domain from a live one.
void appendOwner(pugi::xml_node domain, const DomainSpec& spec) {
    if (!spec.owner) {
        return;
    }
    auto owner = child(child(domain, "metadata"), "nixdrill:owner");
    attr(owner, "xmlns:nixdrill", std::string(ownerMetadataNamespace));
    attr(owner, "process", spec.owner->owner.serialize());
    attr(owner, "run", spec.owner->runId);
    attr(owner, "dir", spec.owner->runDir.string());
}

/// Memory, vCPUs, the direct kernel boot, CPU model, clock and what poweroff/reboot/crash do.
void appendMachine(pugi::xml_node domain, const DomainSpec& spec) {
    auto memory = child(domain, "memory", std::to_string(spec.memoryMiB));
    attr(memory, "unit", "MiB");
    child(domain, "vcpu", std::to_string(spec.vcpus));

    auto os = child(domain, "os");
    auto type = child(os, "type", "hvm");
    attr(type, "arch", "x86_64");
    attr(type, "machine", "pc");
    child(os, "kernel", spec.kernel.string());
    if (spec.initrd) {
        child(os, "initrd", spec.initrd->string());
    }
    if (!spec.cmdline.empty()) {
        child(os, "cmdline", spec.cmdline);
    }

    auto features = child(domain, "features");
    child(features, "acpi");
    child(features, "apic");
    // Under TCG 'maximum' offers every feature QEMU can emulate: ~25% faster than qemu64.
    auto cpu = child(domain, "cpu");
    attr(cpu, "mode", spec.accelerator == Accelerator::Kvm ? "host-passthrough" : "maximum");
    attr(child(domain, "clock"), "offset", "utc");
    child(domain, "on_poweroff", "destroy");
    child(domain, "on_reboot", "destroy");
    child(domain, "on_crash", "destroy");
}

void appendDisks(pugi::xml_node devices, const DomainSpec& spec) {
    for (const auto& d : spec.disks) {
        auto disk = child(devices, "disk");
        attr(disk, "type", "file");
        attr(disk, "device", "disk");
        auto driver = child(disk, "driver");
        attr(driver, "name", "qemu");
        attr(driver, "type", d.format);
        attr(driver, "cache", d.cache);
        attr(child(disk, "source"), "file", d.path.string());
        auto target = child(disk, "target");
        attr(target, "dev", d.target);
        attr(target, "bus", "virtio");
        if (d.readOnly) {
            child(disk, "readonly");
        }
        if (!d.serial.empty()) {
            child(disk, "serial", d.serial);
        }
    }
}

void appendShares(pugi::xml_node devices, const DomainSpec& spec) {
    for (const auto& s : spec.shares) {
        auto fs = child(devices, "filesystem");
        attr(fs, "type", "mount");
        attr(fs, "accessmode", "passthrough");
        attr(child(fs, "source"), "dir", s.source.string());
        attr(child(fs, "target"), "dir", s.tag);
        if (s.readOnly) {
            child(fs, "readonly");
        }
    }
}

void appendNetwork(pugi::xml_node devices, const DomainSpec& spec) {
    if (!spec.network) {
        return;
    }
    // Never type='user' (slirp NATs to wherever the host can reach): only a libvirt network.
    if (spec.networkName.empty()) {
        throw util::InputError("domain " + spec.name + ": a network interface needs a libvirt network name");
    }
    auto nic = child(devices, "interface");
    attr(nic, "type", "network");
    attr(child(nic, "source"), "network", spec.networkName);
    attr(child(nic, "model"), "type", "virtio");
}

void appendConsole(pugi::xml_node devices, const DomainSpec& spec) {
    if (!spec.consoleLog) {
        return;
    }
    auto serial = child(devices, "serial");
    attr(serial, "type", "file");
    auto source = child(serial, "source");
    attr(source, "path", spec.consoleLog->string());
    attr(source, "append", "off");
    attr(child(serial, "target"), "port", "0");
}

/// The guest agent's channel and the devices every domain has (or, explicitly, has not).
void appendFixedDevices(pugi::xml_node devices, const DomainSpec& spec) {
    auto channel = child(devices, "channel");
    attr(channel, "type", "unix");
    auto channelTarget = child(channel, "target");
    attr(channelTarget, "type", "virtio");
    attr(channelTarget, "name", spec.agentChannel);
    // The guest has no other entropy source worth waiting for.
    auto rng = child(devices, "rng");
    attr(rng, "model", "virtio");
    auto backend = child(rng, "backend", "/dev/urandom");
    attr(backend, "model", "random");
    // Nothing the drills use: fewer devices for the guest kernel to probe under TCG.
    auto usb = child(devices, "controller");
    attr(usb, "type", "usb");
    attr(usb, "model", "none");
    attr(child(devices, "memballoon"), "model", "none");
}

} // namespace

std::string domainName(std::string_view runId, std::string_view scenario) {
    std::string name = "nixdrill-" + std::string(runId) + "-" + std::string(scenario);
    for (auto& c : name) {
        if (!isNameChar(c)) {
            c = '-';
        }
    }
    return name.substr(0, 100);
}

std::string toDomainXml(const DomainSpec& spec) {
    validate(spec);
    pugi::xml_document doc;
    auto domain = doc.append_child("domain");
    attr(domain, "type", spec.accelerator == Accelerator::Kvm ? "kvm" : "qemu");
    child(domain, "name", spec.name);
    if (spec.generationId) {
        child(domain, "genid");
    }
    appendOwner(domain, spec);
    appendMachine(domain, spec);

    auto devices = child(domain, "devices");
    appendDisks(devices, spec);
    appendShares(devices, spec);
    appendNetwork(devices, spec);
    appendConsole(devices, spec);
    appendFixedDevices(devices, spec);

    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
    return out.str();
}

std::string isolatedNetworkXml(std::string_view name) {
    bool valid = !name.empty() && name.size() <= 64;
    for (char c : name) {
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
    }
    if (!valid) {
        throw util::InputError("invalid libvirt network name '" + std::string(name) +
                               "': use 1-64 letters, digits, '_', '-', '.'");
    }
    pugi::xml_document doc;
    auto network = doc.append_child("network");
    child(network, "name", std::string(name));
    // No <forward>: libvirt's isolated mode, its firewall rules drop traffic routed off the bridge.
    auto bridge = child(network, "bridge");
    attr(bridge, "stp", "on");
    attr(bridge, "delay", "0");
    auto ip = child(network, "ip");
    attr(ip, "address", "192.168.251.1");
    attr(ip, "netmask", "255.255.255.0");
    auto range = child(child(ip, "dhcp"), "range");
    attr(range, "start", "192.168.251.10");
    attr(range, "end", "192.168.251.250");
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
    return out.str();
}

std::optional<OwnerMetadata> parseOwnerMetadata(std::string_view xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) {
        return std::nullopt;
    }
    auto node = doc.document_element();
    // libvirt returns the element with the prefix it was defined with; accept any prefix.
    std::string name = node.name();
    if (name != "owner" && (name.size() < 6 || name.substr(name.size() - 6) != ":owner")) {
        return std::nullopt;
    }
    auto owner = Owner::parse(node.attribute("process").value());
    if (!owner) {
        return std::nullopt;
    }
    return OwnerMetadata{*owner, node.attribute("run").value(), node.attribute("dir").value()};
}

} // namespace nixdrill::vm
