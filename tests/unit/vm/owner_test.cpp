///@file Owner identity, run directories and overlays.
#include "util/error.hpp"
#include "vm/owner.hpp"
#include "vm/run_dir.hpp"
#include "vm/signal_cleanup.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace nixdrill;

namespace {

struct ScratchRoot {
    std::filesystem::path path;
    ScratchRoot() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nixdrill-owner-test-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~ScratchRoot() { std::filesystem::remove_all(path); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(owner)

BOOST_AUTO_TEST_CASE(this_process_is_alive_and_round_trips) {
    auto self = vm::Owner::self();
    BOOST_TEST(self.pid == ::getpid());
    BOOST_TEST(self.isAlive());
    auto parsed = vm::Owner::parse(self.serialize());
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST((*parsed == self));
}

BOOST_AUTO_TEST_CASE(a_reused_pid_is_not_the_owner) {
    auto self = vm::Owner::self();
    auto impostor = self;
    impostor.startTicks += 1;
    BOOST_TEST(!impostor.isAlive());
    auto otherBoot = self;
    otherBoot.bootId = "another-boot";
    BOOST_TEST(!otherBoot.isAlive());
}

BOOST_AUTO_TEST_CASE(an_exited_process_is_dead) {
    pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    auto owner = vm::Owner::of(child);
    BOOST_REQUIRE(owner.has_value());
    BOOST_TEST(owner->isAlive());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    BOOST_TEST(!owner->isAlive());
    BOOST_TEST(!vm::Owner::of(child).has_value());
}

BOOST_AUTO_TEST_CASE(garbage_does_not_parse) {
    BOOST_TEST(!vm::Owner::parse("").has_value());
    BOOST_TEST(!vm::Owner::parse("12").has_value());
    BOOST_TEST(!vm::Owner::parse("-1 2 boot").has_value());
    BOOST_TEST(!vm::Owner::parse("x 2 boot").has_value());
}

BOOST_AUTO_TEST_CASE(run_dir_records_its_owner_and_goes_away) {
    ScratchRoot root;
    std::filesystem::path path;
    {
        vm::RunDir dir("unit", root.path);
        path = dir.path();
        BOOST_TEST(std::filesystem::is_directory(path));
        BOOST_TEST(path.parent_path() == root.path);
        BOOST_TEST(path.filename().string().rfind("nixdrill-unit-", 0) == 0);
        std::ifstream in(path / vm::RunDir::ownerFile);
        std::string line;
        std::getline(in, line);
        auto owner = vm::Owner::parse(line);
        BOOST_REQUIRE(owner.has_value());
        BOOST_TEST((*owner == vm::Owner::self()));
    }
    BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(a_kept_run_dir_stays) {
    ScratchRoot root;
    std::filesystem::path path;
    {
        vm::RunDir dir("kept", root.path);
        path = dir.path();
        dir.keep();
    }
    BOOST_TEST(std::filesystem::is_directory(path));
}

BOOST_AUTO_TEST_CASE(signal_cleanup_removes_registered_directories) {
    ScratchRoot root;
    vm::RunDir dir("signal", root.path);
    auto path = dir.path();
    BOOST_TEST(vm::detail::cleanupRegistered() >= 1u);
    BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(an_overlay_is_backed_by_its_image) {
    ScratchRoot root;
    auto backing = root.path / "base.img";
    std::ofstream(backing).close();
    std::filesystem::resize_file(backing, 1 << 20);
    auto overlay = root.path / "overlay.qcow2";
    vm::createOverlay(overlay, backing, "raw");
    std::ifstream in(overlay, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    BOOST_TEST((magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && static_cast<unsigned char>(magic[3]) == 0xfb));
    std::ifstream whole(overlay, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(whole)), std::istreambuf_iterator<char>());
    BOOST_TEST(content.find(backing.string()) != std::string::npos);
    BOOST_CHECK_THROW(vm::createOverlay(root.path / "x.qcow2", root.path / "missing.img", "raw"), util::SystemError);
}

BOOST_AUTO_TEST_SUITE_END()
