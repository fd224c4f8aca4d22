///@file KVM detection: never hangs, honours the environment, needs hardware virtualization.
#include "util/error.hpp"
#include "vm/accelerator.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace nixdrill;
using namespace std::chrono_literals;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nixdrill-accel-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~ScratchDir() { std::filesystem::remove_all(path); }
};

// Clears NIXDRILL_ACCELERATOR for a test and restores it afterwards.
struct NoForcedAccelerator {
    std::string saved;
    bool had = false;
    NoForcedAccelerator() {
        if (const char* v = std::getenv("NIXDRILL_ACCELERATOR")) {
            saved = v;
            had = true;
        }
        ::unsetenv("NIXDRILL_ACCELERATOR");
    }
    ~NoForcedAccelerator() {
        if (had) {
            ::setenv("NIXDRILL_ACCELERATOR", saved.c_str(), 1);
        } else {
            ::unsetenv("NIXDRILL_ACCELERATOR");
        }
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(accelerator)

BOOST_AUTO_TEST_CASE(a_hanging_probe_is_abandoned_at_the_timeout) {
    auto t0 = std::chrono::steady_clock::now();
    int code = vm::detail::runForkedProbe(
        [] {
            for (;;) {
                ::pause();
            }
            return 0;
        },
        300ms);
    BOOST_TEST(code == -1);
    BOOST_TEST(secondsSince(t0) < 1.5);
}

BOOST_AUTO_TEST_CASE(probe_exit_codes_are_returned) {
    BOOST_TEST(vm::detail::runForkedProbe([] { return 0; }, 5s) == 0);
    BOOST_TEST(vm::detail::runForkedProbe([] { return 17; }, 5s) == 17);
}

BOOST_AUTO_TEST_CASE(no_hardware_virtualization_means_tcg) {
    NoForcedAccelerator guard;
    ScratchDir dir;
    std::ofstream(dir.path / "cpuinfo") << "processor\t: 0\nflags\t\t: fpu vme sse sse2 hypervisor lm\n";
    std::filesystem::create_directories(dir.path / "modules" / "kvm_pvm");
    std::ofstream(dir.path / "kvm"); // any readable, writable file stands in for /dev/kvm
    vm::AcceleratorOptions options;
    options.device = dir.path / "kvm";
    options.cpuinfo = dir.path / "cpuinfo";
    options.modules = dir.path / "modules";
    auto choice = vm::detectAccelerator(options);
    BOOST_TEST((choice.accelerator == vm::Accelerator::Tcg));
    BOOST_TEST(choice.reason.find("no vmx/svm") != std::string::npos, choice.reason);
    BOOST_TEST(choice.reason.find("kvm_pvm") != std::string::npos, choice.reason);
}

BOOST_AUTO_TEST_CASE(a_missing_device_means_tcg) {
    NoForcedAccelerator guard;
    vm::AcceleratorOptions options;
    options.device = "/nonexistent/kvm";
    auto choice = vm::detectAccelerator(options);
    BOOST_TEST((choice.accelerator == vm::Accelerator::Tcg));
    BOOST_TEST(choice.reason.find("/nonexistent/kvm") != std::string::npos, choice.reason);
}

BOOST_AUTO_TEST_CASE(a_device_that_is_not_kvm_means_tcg) {
    NoForcedAccelerator guard;
    ScratchDir dir;
    std::ofstream(dir.path / "cpuinfo") << "flags\t\t: fpu vmx lm\n";
    std::ofstream(dir.path / "kvm");
    vm::AcceleratorOptions options;
    options.device = dir.path / "kvm";
    options.cpuinfo = dir.path / "cpuinfo";
    auto choice = vm::detectAccelerator(options);
    BOOST_TEST((choice.accelerator == vm::Accelerator::Tcg));
    BOOST_TEST(choice.reason.find("KVM_GET_API_VERSION") != std::string::npos, choice.reason);
}

BOOST_AUTO_TEST_CASE(the_real_detection_returns_within_its_timeout) {
    NoForcedAccelerator guard;
    vm::AcceleratorOptions options;
    options.timeout = 2s;
    auto t0 = std::chrono::steady_clock::now();
    auto choice = vm::detectAccelerator(options);
    BOOST_TEST(secondsSince(t0) < 3.0);
    BOOST_TEST(!choice.reason.empty());
    BOOST_TEST_MESSAGE("this host: " << vm::toString(choice.accelerator) << " (" << choice.reason << ")");
}

BOOST_AUTO_TEST_CASE(the_environment_can_force_a_choice) {
    NoForcedAccelerator guard;
    ::setenv("NIXDRILL_ACCELERATOR", "kvm", 1);
    BOOST_TEST((vm::detectAccelerator().accelerator == vm::Accelerator::Kvm));
    ::setenv("NIXDRILL_ACCELERATOR", "tcg", 1);
    BOOST_TEST((vm::detectAccelerator().accelerator == vm::Accelerator::Tcg));
    ::setenv("NIXDRILL_ACCELERATOR", "hvf", 1);
    BOOST_CHECK_THROW(vm::detectAccelerator(), util::InputError);
    vm::AcceleratorOptions ignoring;
    ignoring.honourEnvironment = false;
    ignoring.device = "/nonexistent/kvm";
    BOOST_TEST((vm::detectAccelerator(ignoring).accelerator == vm::Accelerator::Tcg));
}

BOOST_AUTO_TEST_SUITE_END()
