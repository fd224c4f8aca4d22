///@file Warm-start cache without libvirt: saved-XML rewriting, stable keys, slot locks, sweep.
#include "util/error.hpp"
#include "util/file.hpp"
#include "vm/saved_state.hpp"

#include <boost/test/unit_test.hpp>
#include <pugixml.hpp>
#include <sstream>

using namespace nixdrill;

namespace {

// Shaped like virDomainSaveImageGetXMLDesc's output (libvirt 9.0) for a systemd guest.
const char* savedXml = R"(<domain type='qemu'>
  <name>nixdrill-warm-abc-0</name>
  <uuid>3d833760-3fad-4ada-8709-49ab58d83caa</uuid>
  <genid>d4fdbc0c-5284-4010-a02a-b0001616defb</genid>
  <metadata>
    <nixdrill:owner xmlns:nixdrill="http://nixdrill.dev/xmlns/owner/1" process="1 2 x" run="old" dir=""/>
  </metadata>
  <memory unit='KiB'>786432</memory>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='unsafe'/>
      <source file='/cache/slot/vda.qcow2' index='1'/>
      <backingStore type='file' index='2'><format type='raw'/><source file='/img/root.img'/></backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'><source path='/cache/slot/prepare-console.log' append='off'/><target port='0'/></serial>
    <console type='file'><source path='/cache/slot/prepare-console.log' append='off'/><target type='serial' port='0'/></console>
  </devices>
</domain>)";

pugi::xml_document parse(const std::string& xml) {
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(xml.c_str()));
    return doc;
}

} // namespace

BOOST_AUTO_TEST_CASE(retarget_points_disk_console_and_owner_at_the_drill_and_keeps_identity) {
    vm::RestoreTarget target;
    target.disks["vda"] = "/run/d1/vda.qcow2";
    target.consoleLog = "/run/d1/console.log";
    target.owner = vm::OwnerMetadata{*vm::Owner::parse(vm::Owner::self().serialize()), "run1", "/run/d1"};
    auto doc = parse(vm::retargetSavedXml(savedXml, target));
    auto domain = doc.child("domain");
    BOOST_TEST(std::string(domain.child_value("name")) == "nixdrill-warm-abc-0");
    BOOST_TEST(std::string(domain.child_value("uuid")) == "3d833760-3fad-4ada-8709-49ab58d83caa");
    auto disk = domain.child("devices").child("disk");
    BOOST_TEST(std::string(disk.child("source").attribute("file").value()) == "/run/d1/vda.qcow2");
    BOOST_TEST(disk.child("source").attribute("index").empty());
    BOOST_TEST(!disk.child("backingStore"));
    BOOST_TEST(std::string(domain.child("devices").child("serial").child("source").attribute("path").value()) ==
               "/run/d1/console.log");
    BOOST_TEST(std::string(domain.child("devices").child("console").child("source").attribute("path").value()) ==
               "/run/d1/console.log");
    auto owners = domain.child("metadata").select_nodes("*");
    BOOST_TEST(owners.size() == 1u);
    std::ostringstream ownerXml;
    owners.first().node().print(ownerXml);
    auto owner = vm::parseOwnerMetadata(ownerXml.str());
    BOOST_REQUIRE(owner.has_value());
    BOOST_TEST(owner->runId == "run1");
    BOOST_TEST(owner->runDir == "/run/d1");
}

BOOST_AUTO_TEST_CASE(retarget_refuses_a_disk_the_state_does_not_have_and_bad_xml) {
    vm::RestoreTarget target;
    target.disks["vdb"] = "/run/d1/vdb.qcow2";
    BOOST_CHECK_THROW(vm::retargetSavedXml(savedXml, target), util::InputError);
    vm::RestoreTarget renamed;
    renamed.expectedName = "nixdrill-warm-other-0";
    BOOST_CHECK_THROW(vm::retargetSavedXml(savedXml, renamed), util::InputError);
    renamed.expectedName = "nixdrill-warm-abc-0";
    BOOST_CHECK_NO_THROW(vm::retargetSavedXml(savedXml, renamed));
    BOOST_CHECK_THROW(vm::retargetSavedXml("<domain", {}), util::InputError);
    BOOST_CHECK_THROW(vm::retargetSavedXml("<other/>", {}), util::InputError);
}

BOOST_AUTO_TEST_CASE(stable_hash_is_fixed_and_separates_parts) {
    // FNV-1a 64 of "" followed by the 0 separator: fixed across runs and machines.
    BOOST_TEST(vm::stableHash({"a", "bc"}) != vm::stableHash({"ab", "c"}));
    BOOST_TEST(vm::stableHash({"x"}) == vm::stableHash({"x"}));
    BOOST_TEST(vm::stableHash({"x"}).size() == 16u);
    BOOST_TEST(vm::stableHash({}) == "cbf29ce484222325");
}

BOOST_AUTO_TEST_CASE(a_slot_is_held_by_one_owner_and_ready_only_after_mark_ready) {
    util::TempDir dir("nixdrill-warm-unit-");
    vm::WarmCache cache(dir.path());
    auto a = cache.acquire("k", 2);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->domainName().rfind("nixdrill-warm-", 0) == 0);
    BOOST_TEST(a->domainName().substr(a->domainName().size() - 2) == "-0");
    // Another cache root with the same key names its domains differently (names are global).
    util::TempDir other("nixdrill-warm-unit-");
    auto elsewhere = vm::WarmCache(other.path()).acquire("k", 1);
    BOOST_REQUIRE(elsewhere.has_value());
    BOOST_TEST(elsewhere->domainName() != a->domainName());
    BOOST_TEST(!a->ready());
    auto b = cache.acquire("k", 2);
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->domainName().substr(b->domainName().size() - 2) == "-1");
    BOOST_TEST(!cache.acquire("k", 2).has_value()); // both held
    util::writeFileAtomic(a->statePath(), "state");
    a->markReady({"vda"}, {dir.path()}, "test");
    BOOST_TEST(a->ready());
    BOOST_TEST(a->frozenTargets() == std::vector<std::string>{"vda"});
    b.reset();
    auto c = cache.acquire("k", 2);
    BOOST_REQUIRE(c.has_value());
    BOOST_TEST(c->domainName().substr(c->domainName().size() - 2) == "-1");
    a->invalidate();
    BOOST_TEST(!a->ready());
}

BOOST_AUTO_TEST_CASE(sweep_drops_free_slots_whose_files_are_gone_and_keeps_held_ones) {
    util::TempDir dir("nixdrill-warm-unit-");
    auto image = dir.path() / "image";
    util::writeFileAtomic(image, "x");
    vm::WarmCache cache(dir.path() / "cache");
    {
        auto held = cache.acquire("held", 1);
        auto free = cache.acquire("free", 1);
        for (auto* s : {&*held, &*free}) {
            util::writeFileAtomic(s->statePath(), "state");
            s->markReady({}, {image}, "test");
        }
        free.reset();
        std::filesystem::remove(image);
        auto removed = cache.sweep();
        BOOST_TEST(removed.size() == 1u);
        BOOST_TEST(std::filesystem::exists(cache.root() / "held-0" / "meta.json"));
        BOOST_TEST(!std::filesystem::exists(cache.root() / "free-0"));
    }
    BOOST_TEST(cache.sweep().size() == 1u); // released now, and its image is gone
}
