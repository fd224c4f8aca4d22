///@file Domain XML: golden files for a TCG and a KVM drill VM, names, validation, metadata.
#include "../support/golden.hpp"
#include "util/error.hpp"
#include "vm/domain_xml.hpp"

#include <boost/test/unit_test.hpp>
#include <pugixml.hpp>
#include <sstream>

using namespace nixdrill;

namespace {

vm::DomainSpec fullSpec() {
    vm::DomainSpec spec;
    spec.name = "nixdrill-run1-restore-db";
    spec.memoryMiB = 768;
    spec.vcpus = 2;
    spec.kernel = "/cache/guests/systemd-0123/vmlinux";
    spec.initrd = "/cache/guests/systemd-0123/initrd";
    spec.cmdline = "console=ttyS0 root=/dev/vda rw";
    spec.disks.push_back({"/var/tmp/nixdrill/run1/root.qcow2", "qcow2", "vda", false, "unsafe", ""});
    spec.disks.push_back({"/var/tmp/nixdrill/run1/data.img", "raw", "vdb", true, "none", "seed"});
    spec.shares.push_back({"/srv/repo", "repo", false});
    spec.consoleLog = "/var/tmp/nixdrill/run1/console.log";
    spec.network = true;
    spec.owner = vm::OwnerMetadata{{4242, 123456, "0f0e-boot"}, "run1", "/var/tmp/nixdrill/nixdrill-run1-abc"};
    return spec;
}

std::string metadataElement(const std::string& xml) {
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(xml.c_str()));
    auto owner = doc.child("domain").child("metadata").first_child();
    std::ostringstream out;
    owner.print(out, "", pugi::format_raw);
    return out.str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(domain_xml)

BOOST_AUTO_TEST_CASE(tcg_domain_matches_golden) {
    auto message = test::compareGolden("tests/unit/vm/data/domain-tcg.xml", vm::toDomainXml(fullSpec()));
    BOOST_TEST(message.empty(), message);
}

BOOST_AUTO_TEST_CASE(kvm_minimal_domain_matches_golden) {
    vm::DomainSpec spec;
    spec.name = "nixdrill-run2-boot";
    spec.accelerator = vm::Accelerator::Kvm;
    spec.kernel = "/k/vmlinux";
    auto message = test::compareGolden("tests/unit/vm/data/domain-kvm-minimal.xml", vm::toDomainXml(spec));
    BOOST_TEST(message.empty(), message);
}

BOOST_AUTO_TEST_CASE(tcg_and_kvm_differ_in_type_and_cpu) {
    auto spec = fullSpec();
    auto tcg = vm::toDomainXml(spec);
    spec.accelerator = vm::Accelerator::Kvm;
    auto kvm = vm::toDomainXml(spec);
    BOOST_TEST(tcg.find("<domain type=\"qemu\">") != std::string::npos);
    BOOST_TEST(tcg.find("<cpu mode=\"maximum\" />") != std::string::npos);
    BOOST_TEST(kvm.find("<domain type=\"kvm\">") != std::string::npos);
    BOOST_TEST(kvm.find("<cpu mode=\"host-passthrough\" />") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_is_escaped) {
    auto spec = fullSpec();
    spec.cmdline = "init=/bin/sh <x> & 'y'";
    auto xml = vm::toDomainXml(spec);
    BOOST_TEST(xml.find("init=/bin/sh &lt;x&gt; &amp; 'y'") != std::string::npos);
    pugi::xml_document doc;
    BOOST_TEST(static_cast<bool>(doc.load_string(xml.c_str())));
    BOOST_TEST(std::string(doc.child("domain").child("os").child("cmdline").text().get()) == spec.cmdline);
}

BOOST_AUTO_TEST_CASE(owner_metadata_round_trips) {
    auto spec = fullSpec();
    auto parsed = vm::parseOwnerMetadata(metadataElement(vm::toDomainXml(spec)));
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST((*parsed == *spec.owner));
    // libvirt hands the element back under its own prefix.
    auto libvirtStyle = vm::parseOwnerMetadata(
        R"(<nixdrill:owner xmlns:nixdrill="http://nixdrill.dev/xmlns/owner/1" process="7 99 b" run="r" dir="/d"/>)");
    BOOST_REQUIRE(libvirtStyle.has_value());
    BOOST_TEST(libvirtStyle->owner.pid == 7);
    BOOST_TEST(libvirtStyle->owner.startTicks == 99u);
    BOOST_TEST(libvirtStyle->runDir.string() == "/d");
}

BOOST_AUTO_TEST_CASE(foreign_or_broken_metadata_is_not_ours) {
    BOOST_TEST(!vm::parseOwnerMetadata("<other process=\"1 2 b\"/>").has_value());
    BOOST_TEST(!vm::parseOwnerMetadata("<owner process=\"not a pid\"/>").has_value());
    BOOST_TEST(!vm::parseOwnerMetadata("<owner/>").has_value());
    BOOST_TEST(!vm::parseOwnerMetadata("not xml <").has_value());
}

BOOST_AUTO_TEST_CASE(domain_names_are_sanitized) {
    BOOST_TEST(vm::domainName("20261123T1-42", "restore db/v2") == "nixdrill-20261123T1-42-restore-db-v2");
    BOOST_TEST(vm::domainName("r", std::string(300, 'x')).size() == 100u);
}

BOOST_AUTO_TEST_CASE(invalid_specs_are_rejected) {
    auto expectInvalid = [](vm::DomainSpec spec, const std::string& fragment) {
        try {
            vm::toDomainXml(spec);
            BOOST_ERROR("accepted an invalid spec; expected: " << fragment);
        } catch (const util::InputError& e) {
            BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
        }
    };
    auto spec = fullSpec();
    spec.name = "bad name";
    expectInvalid(spec, "invalid VM name");
    spec = fullSpec();
    spec.kernel.clear();
    expectInvalid(spec, "no kernel");
    spec = fullSpec();
    spec.disks[1].target = "vda";
    expectInvalid(spec, "two disks use target vda");
    spec = fullSpec();
    spec.disks[0].format = "vmdk";
    expectInvalid(spec, "format must be qcow2 or raw");
    spec = fullSpec();
    spec.disks[0].target = "sda";
    expectInvalid(spec, "target must be vda");
    spec = fullSpec();
    spec.memoryMiB = 0;
    expectInvalid(spec, "memory and vCPUs must be positive");
    spec = fullSpec();
    spec.shares.push_back({"/other", "repo", true});
    expectInvalid(spec, "duplicate tag 'repo'");
}

// Isolation (issue 8): no interface unless asked; then only a libvirt network without forward.
BOOST_AUTO_TEST_CASE(a_guest_that_does_not_ask_has_no_network_interface) {
    auto spec = fullSpec();
    spec.network = false;
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(vm::toDomainXml(spec).c_str()));
    BOOST_TEST(doc.child("domain").child("devices").child("interface").empty());
    // The default spec too.
    vm::DomainSpec minimal;
    minimal.name = "nixdrill-x";
    minimal.kernel = "/k/vmlinux";
    BOOST_REQUIRE(doc.load_string(vm::toDomainXml(minimal).c_str()));
    BOOST_TEST(doc.select_nodes("//interface").empty());
}

BOOST_AUTO_TEST_CASE(a_network_is_only_the_isolated_libvirt_network) {
    auto spec = fullSpec();
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(vm::toDomainXml(spec).c_str()));
    auto nics = doc.select_nodes("//devices/interface");
    BOOST_REQUIRE_EQUAL(nics.size(), 1u);
    auto nic = nics.first().node();
    BOOST_TEST(std::string(nic.attribute("type").value()) == "network"); // never "user" (slirp NATs out)
    BOOST_TEST(std::string(nic.child("source").attribute("network").value()) == "nixdrill-isolated");
    spec.networkName.clear();
    try {
        vm::toDomainXml(spec);
        BOOST_FAIL("a NIC without a network name was rendered");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("needs a libvirt network name") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(the_isolated_network_has_no_forward) {
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(vm::isolatedNetworkXml().c_str()));
    auto net = doc.child("network");
    BOOST_TEST(std::string(net.child("name").text().get()) == "nixdrill-isolated");
    BOOST_TEST(net.child("forward").empty());
    BOOST_TEST(doc.select_nodes("//forward").empty());
    BOOST_TEST(!net.child("ip").child("dhcp").empty());
    BOOST_CHECK_THROW(vm::isolatedNetworkXml("bad name'/>"), util::InputError);
    BOOST_CHECK_THROW(vm::isolatedNetworkXml(""), util::InputError);
}

BOOST_AUTO_TEST_SUITE_END()
