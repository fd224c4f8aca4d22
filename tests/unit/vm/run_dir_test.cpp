///@file Run directories and overlays are private to their owner (they hold drill secrets).
#include "util/file.hpp"
#include "vm/run_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace nixdrill;

namespace {

unsigned modeOf(const std::filesystem::path& p) {
    struct stat st {};
    BOOST_REQUIRE_EQUAL(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

} // namespace

BOOST_AUTO_TEST_SUITE(run_dir)

BOOST_AUTO_TEST_CASE(a_run_directory_is_0700) {
    util::TempDir root("nixdrill-rundir-test-");
    vm::RunDir dir("unit", root.path());
    BOOST_TEST(modeOf(dir.path()) == 0700u);
}

BOOST_AUTO_TEST_CASE(an_overlay_is_0600) {
    util::TempDir root("nixdrill-overlay-test-");
    auto base = root.path() / "base.raw";
    std::ofstream(base) << std::string(4096, '\0');
    auto overlay = root.path() / "vda.qcow2";
    vm::createOverlay(overlay, base, "raw");
    BOOST_TEST(modeOf(overlay) == 0600u);
}

BOOST_AUTO_TEST_SUITE_END()
