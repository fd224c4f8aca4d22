///@file NixOS guest descriptors, guest selection, the NixOS guest's domain XML and its error messages.
#include "guest/image.hpp"
#include "guest/libvirt_guest.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "vm/domain_xml.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

using namespace nixdrill;

namespace {

const std::string systemPath = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-nixdrill-guest-24.11";

/// A descriptor as nix/nixos/guest.nix writes it.
nlohmann::json descriptor(const std::string& scenario = "drill-three-services") {
    return {
        {"format", "nixdrill-guest/1"},
        {"kind", "nixos"},
        {"scenario", scenario},
        {"system", systemPath},
        {"kernelVersion", "6.6.63"},
        {"kernel", "kernel"},
        {"initrd", "initrd"},
        {"rootDisk", {{"path", "root.qcow2"}, {"format", "qcow2"}}},
        {"cmdline", "init=" + systemPath + "/init console=ttyS0 panic=-1"},
        {"agentChannel", "org.qemu.guest_agent.0"},
        {"memoryMiB", 768},
        {"vcpus", 1},
    };
}

std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const util::Error& e) {
        return e.describe();
    }
    return "(no error)";
}

void touch(const std::filesystem::path& p, const std::string& content = "x") {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
}

/// A built guest directory: descriptor and the files it names.
void makeGuestDir(const std::filesystem::path& dir, const nlohmann::json& d) {
    touch(dir / "nixdrill-guest.json", d.dump());
    touch(dir / "kernel");
    touch(dir / "initrd");
    touch(dir / "root.qcow2");
}

} // namespace

BOOST_AUTO_TEST_SUITE(guest_image)

BOOST_AUTO_TEST_CASE(descriptor_is_read_with_paths_relative_to_its_directory) {
    auto image = guest::parseGuestDescriptor(descriptor().dump(), "/results/guest-x");
    BOOST_TEST(guest::toString(image.kind) == "nixos");
    BOOST_TEST(image.scenario == "drill-three-services");
    BOOST_TEST(image.system == systemPath);
    BOOST_TEST(image.kernel == "/results/guest-x/kernel");
    BOOST_TEST(image.initrd == "/results/guest-x/initrd");
    BOOST_REQUIRE(image.rootDisk.has_value());
    BOOST_TEST(image.rootDisk->path == "/results/guest-x/root.qcow2");
    BOOST_TEST(image.rootDisk->format == "qcow2");
    BOOST_TEST(image.cmdline == "init=" + systemPath + "/init console=ttyS0 panic=-1");
    BOOST_TEST(image.kernelVersion == "6.6.63");
    BOOST_TEST(image.key == "0123456789abcdfghijklmnpqrsvwxyz-nixos-system-nixdrill-guest-24.11");
}

BOOST_AUTO_TEST_CASE(descriptor_absolute_paths_and_default_channel) {
    auto d = descriptor();
    d["kernel"] = systemPath + "/kernel";
    d.erase("agentChannel");
    auto image = guest::parseGuestDescriptor(d.dump(), "/results/guest-x");
    BOOST_TEST(image.kernel == systemPath + "/kernel");
    BOOST_TEST(image.agentChannel == "org.qemu.guest_agent.0");
}

BOOST_AUTO_TEST_CASE(descriptor_errors_name_the_field) {
    auto errorWith = [](const std::function<void(nlohmann::json&)>& change) {
        auto d = descriptor();
        change(d);
        return messageOf([&] { guest::parseGuestDescriptor(d.dump(), "/d"); });
    };
    BOOST_TEST(messageOf([] { guest::parseGuestDescriptor("{", "/d"); }).find("not JSON") != std::string::npos);
    BOOST_TEST(messageOf([] { guest::parseGuestDescriptor("[]", "/d"); }).find("JSON object") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["format"] = "nixdrill-guest/2"; }).find("/format") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["kind"] = "systemd"; }).find("/kind") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["kind"] = "windows"; }).find("unknown guest kind") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d.erase("scenario"); }).find("/scenario: missing") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["kernel"] = ""; }).find("/kernel") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["initrd"] = 3; }).find("/initrd") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d.erase("rootDisk"); }).find("/rootDisk: missing") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["rootDisk"]["format"] = "vmdk"; }).find("/rootDisk/format") !=
               std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["rootDisk"].erase("path"); }).find("/rootDisk/path") != std::string::npos);
    BOOST_TEST(errorWith([](auto& d) { d["cmdline"] = "console=ttyS0"; }).find("no init=") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(load_checks_the_files_exist) {
    util::TempDir dir("nixdrill-image-test-");
    auto guestDir = dir.path() / "guest";
    makeGuestDir(guestDir, descriptor());
    BOOST_TEST(guest::loadGuestDescriptor(guestDir).initrd == guestDir / "initrd");
    std::filesystem::remove(guestDir / "root.qcow2");
    auto message = messageOf([&] { guest::loadGuestDescriptor(guestDir); });
    BOOST_TEST(message.find("missing " + (guestDir / "root.qcow2").string()) != std::string::npos);
    BOOST_TEST(message.find("while loading the NixOS guest descriptor") != std::string::npos);
    BOOST_TEST(messageOf([&] { guest::loadGuestDescriptor(dir.path()); }).find("no nixdrill-guest.json") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(drill_guest_names) {
    BOOST_TEST(guest::toString(guest::guestKindOfDrill("debian")) == "systemd");
    BOOST_TEST(guest::toString(guest::guestKindOfDrill("nixos")) == "nixos");
    BOOST_CHECK_THROW(guest::guestKindOfDrill("systemd"), util::InputError);
    BOOST_CHECK_THROW(guest::guestKindOfDrill(""), util::InputError);
}

BOOST_AUTO_TEST_CASE(selection_flag_overrides_the_scenario) {
    guest::GuestSelection none;
    BOOST_TEST(guest::toString(guest::selectGuestKind(none, "debian")) == "systemd");
    BOOST_TEST(guest::toString(guest::selectGuestKind(none, "nixos")) == "nixos");
    BOOST_CHECK_THROW(guest::selectGuestKind(none, "fedora"), util::InputError);
    guest::GuestSelection nixos{guest::GuestKind::NixOS, std::nullopt};
    BOOST_TEST(guest::toString(guest::selectGuestKind(nixos, "debian")) == "nixos");
    guest::GuestSelection debian{guest::GuestKind::Systemd, std::nullopt};
    BOOST_TEST(guest::toString(guest::selectGuestKind(debian, "nixos")) == "systemd");
}

BOOST_AUTO_TEST_CASE(nixos_image_resolution) {
    util::TempDir dir("nixdrill-image-test-");
    // A single `nix build` result, and a directory of results named by scenario.
    makeGuestDir(dir.path() / "single", descriptor("drill-single-service"));
    makeGuestDir(dir.path() / "all" / "drill-three-services", descriptor("drill-three-services"));
    makeGuestDir(dir.path() / "all" / "drill-earlier-snapshot", descriptor("drill-single-service"));

    BOOST_TEST(guest::resolveNixosImage(dir.path() / "single", "drill-single-service").dir == dir.path() / "single");
    BOOST_TEST(guest::resolveNixosImage(dir.path() / "single" / "nixdrill-guest.json", "drill-single-service").dir ==
               dir.path() / "single");
    BOOST_TEST(guest::resolveNixosImage(dir.path() / "all", "drill-three-services").scenario == "drill-three-services");

    auto none = messageOf([] { guest::resolveNixosImage(std::nullopt, "drill-three-services"); });
    BOOST_TEST(none.find("needs a NixOS guest and none was given") != std::string::npos);
    BOOST_TEST(none.find("nix build .#guest-drill-three-services") != std::string::npos);
    BOOST_TEST(none.find("--guest debian") != std::string::npos);

    auto absent = messageOf([&] { guest::resolveNixosImage(dir.path() / "all", "drill-x"); });
    BOOST_TEST(absent.find("no NixOS guest for scenario drill-x") != std::string::npos);

    // An image of another scenario has other units: refused before booting.
    auto other = messageOf([&] { guest::resolveNixosImage(dir.path() / "single", "drill-three-services"); });
    BOOST_TEST(other.find("was built for scenario drill-single-service, not drill-three-services") !=
               std::string::npos);
    auto misnamed = messageOf([&] { guest::resolveNixosImage(dir.path() / "all", "drill-earlier-snapshot"); });
    BOOST_TEST(misnamed.find("was built for scenario drill-single-service") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(build_script_does_not_build_nixos) {
    auto message = messageOf([] { guest::buildGuestImage(guest::GuestKind::NixOS, "/nonexistent/build-guest.sh"); });
    BOOST_TEST(message.find("need nixpkgs") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nixos_domain_boots_the_system_kernel_initrd_and_init) {
    auto image = guest::parseGuestDescriptor(descriptor().dump(), "/results/guest-x");
    guest::GuestConfig config;
    config.name = vm::domainName("run1", "drill-three-services");
    config.memoryMiB = 768;
    config.extraCmdline = "quiet";
    vm::DiskSpec overlay{"/var/tmp/nixdrill/run1/root.qcow2", "qcow2", "vda", false, "unsafe", ""};
    auto spec = guest::makeDomainSpec(image, config, {overlay}, "/var/tmp/nixdrill/run1");
    auto xml = vm::toDomainXml(spec);

    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(xml.c_str()));
    auto domain = doc.child("domain");
    BOOST_TEST(std::string(domain.child("os").child_value("kernel")) == "/results/guest-x/kernel");
    BOOST_TEST(std::string(domain.child("os").child_value("initrd")) == "/results/guest-x/initrd");
    BOOST_TEST(std::string(domain.child("os").child_value("cmdline")) ==
               "init=" + systemPath + "/init console=ttyS0 panic=-1 quiet");
    BOOST_TEST(std::string(domain.child_value("memory")) == "768");
    auto disk = domain.child("devices").child("disk");
    BOOST_TEST(std::string(disk.child("source").attribute("file").value()) == "/var/tmp/nixdrill/run1/root.qcow2");
    BOOST_TEST(std::string(disk.child("target").attribute("dev").value()) == "vda");
    BOOST_TEST(disk.next_sibling("disk").empty());
    // No network: the guest's repositories are local.
    BOOST_TEST(domain.child("devices").child("interface").empty());
    auto channel = domain.child("devices").child("channel");
    BOOST_TEST(std::string(channel.child("target").attribute("name").value()) == "org.qemu.guest_agent.0");
    BOOST_TEST(std::string(domain.child("devices").child("serial").child("source").attribute("path").value()) ==
               "/var/tmp/nixdrill/run1/console.log");
}

BOOST_AUTO_TEST_SUITE_END()
