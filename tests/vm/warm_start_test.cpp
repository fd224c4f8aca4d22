///@file Warm starts of the systemd drill guest: the first start saves a settled guest, the next
/// ones restore it with fresh disk overlays, a corrected clock, a working agent channel and a
/// reseeded RNG; a busy slot falls back to a cold boot. Needs root and libvirtd.
#include "guest/image.hpp"
#include "guest/libvirt_guest.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <unistd.h>

using namespace nixdrill;
using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

namespace {

std::string runId() {
    static std::string id = "w" + std::to_string(::getpid());
    return id;
}

vm::Connection& connection() {
    static vm::Connection conn;
    return conn;
}

/// A cache of its own, so the test proves the save path every time and leaves nothing shared.
struct WarmRoot {
    std::filesystem::path path = "/var/tmp/nixdrill-warm-test-" + std::to_string(::getpid());
    WarmRoot() { std::filesystem::create_directories(path); }
    ~WarmRoot() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

guest::GuestConfig config(std::string_view scenario, const std::filesystem::path& warmRoot, unsigned slots) {
    guest::GuestConfig c;
    c.name = vm::domainName(runId(), scenario);
    c.runId = runId();
    c.accelerator = vm::detectAccelerator().accelerator;
    c.bootTimeout = 120s;
    c.warmStart = true;
    c.warmRoot = warmRoot;
    c.warmSlots = slots;
    return c;
}

std::string out(guest::Guest& g, const std::string& command) {
    auto r = g.succeed(command, 60s);
    auto text = r.out;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

double clockOffset(guest::Guest& g) {
    auto guestNow = std::stod(out(g, "date +%s.%N"));
    auto hostNow = Seconds(std::chrono::system_clock::now().time_since_epoch()).count();
    return guestNow - hostNow;
}

void report(const std::string& what, const guest::ImageGuest& g) {
    const auto& t = g.bootTimes();
    std::cout << "timing: " << what << ": mode " << t.mode << ", prepare " << t.prepare.count() << " s, create "
              << t.create.count() << " s, agent " << t.agent.count() << " s, save " << t.save.count()
              << " s, clock fix " << t.clockFix.count() << " s" << (t.note.empty() ? "" : ", note: " + t.note)
              << std::endl;
}

} // namespace

BOOST_AUTO_TEST_CASE(warm_start_restores_a_settled_guest_with_fresh_disks_clock_agent_and_rng) {
    WarmRoot root;
    auto image = guest::buildGuestImage(guest::GuestKind::Systemd);

    auto first = guest::makeGuest(guest::GuestKind::Systemd, connection(), image, config("warm-a", root.path, 1));
    first->start();
    report("first (saves the state)", *first);
    BOOST_TEST(first->bootTimes().mode == "warm-saved");
    auto savedAt = std::chrono::steady_clock::now();
    auto bootId = out(*first, "cat /proc/sys/kernel/random/boot_id");
    auto randomA = out(*first, "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'");
    first->succeed("echo from-a > /root/marker && sync");
    BOOST_TEST(std::abs(clockOffset(*first)) < 3.0);
    std::string slotName = first->name();
    BOOST_TEST(slotName.rfind("nixdrill-warm-", 0) == 0);
    first->destroy();

    // The saved clock is now stale by this much at least: an unset clock would show it.
    std::this_thread::sleep_until(savedAt + 12s);

    auto second = guest::makeGuest(guest::GuestKind::Systemd, connection(), image, config("warm-b", root.path, 1));
    second->start();
    report("second (restored)", *second);
    BOOST_TEST(second->bootTimes().mode == "warm");
    BOOST_TEST(second->name() == slotName);
    // The same boot, resumed: not a fresh boot that happened to be fast.
    BOOST_TEST(out(*second, "cat /proc/sys/kernel/random/boot_id") == bootId);
    auto offset = clockOffset(*second);
    BOOST_TEST_MESSAGE("clock offset after restore: " << offset << " s");
    BOOST_TEST(std::abs(offset) < 3.0);
    // The emulated RTC follows the host across a restore (only the system clock needed setting).
    auto rtc = std::stod(out(*second, "cat /sys/class/rtc/rtc0/since_epoch"));
    auto rtcOffset = rtc - Seconds(std::chrono::system_clock::now().time_since_epoch()).count();
    BOOST_TEST_MESSAGE("RTC offset after restore: " << rtcOffset << " s");
    BOOST_TEST(std::abs(rtcOffset) < 3.0);
    // Each restore writes to its own overlay: what the first wrote is not there.
    BOOST_TEST(second->exec("test -e /root/marker", 30s).exitCode == 1);
    // vmgenid changed on restore, so the kernel reseeded: the two restores draw different numbers.
    auto randomB = out(*second, "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'");
    BOOST_TEST(randomA.size() == 64u);
    BOOST_TEST(randomA != randomB);
    BOOST_TEST(out(*second, "dmesg | grep -c 'virtual machine fork' || true") != "0");
    // Saved after boot finished: nothing is still starting.
    auto state = second->exec("systemctl is-system-running", 30s).out;
    BOOST_TEST((state.rfind("running", 0) == 0 || state.rfind("degraded", 0) == 0), "system state: " << state);
    second->succeed("echo from-b > /root/marker2 && sync && test \"$(cat /root/marker2)\" = from-b");

    // The only slot is held by `second`: a third guest of the same shape boots cold.
    auto third = guest::makeGuest(guest::GuestKind::Systemd, connection(), image, config("warm-c", root.path, 1));
    third->start();
    report("third (slot busy)", *third);
    BOOST_TEST(third->bootTimes().mode == "cold");
    BOOST_TEST(third->bootTimes().note.find("in use") != std::string::npos, third->bootTimes().note);
    BOOST_TEST(third->name() != slotName);
    auto secondDir = second->runDir();
    second->destroy();
    third->destroy();

    BOOST_TEST(!connection().lookupDomain(slotName).has_value());
    BOOST_TEST(!std::filesystem::exists(secondDir));
    std::size_t slots = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root.path)) {
        ++slots;
        BOOST_TEST(std::filesystem::exists(entry.path() / "state.save"));
        BOOST_TEST(std::filesystem::exists(entry.path() / "vda.qcow2"));
    }
    BOOST_TEST(slots == 1u);
}

BOOST_AUTO_TEST_CASE(a_state_libvirt_refuses_falls_back_to_a_cold_boot_and_is_saved_again) {
    WarmRoot root;
    auto image = guest::buildGuestImage(guest::GuestKind::Initramfs);
    // The initramfs guest (no disks) keeps this case short.
    auto first = guest::makeGuest(guest::GuestKind::Initramfs, connection(), image, config("warm-d", root.path, 1));
    first->start();
    report("initramfs first", *first);
    BOOST_TEST(first->bootTimes().mode == "warm-saved");
    first->destroy();
    std::filesystem::path state;
    for (const auto& entry : std::filesystem::directory_iterator(root.path)) {
        state = entry.path() / "state.save";
    }
    std::filesystem::resize_file(state, 4096); // a truncated state file

    auto second = guest::makeGuest(guest::GuestKind::Initramfs, connection(), image, config("warm-e", root.path, 1));
    second->start();
    report("initramfs after corruption", *second);
    BOOST_TEST(second->bootTimes().mode == "cold");
    BOOST_TEST(second->bootTimes().note.find("warm start failed") != std::string::npos, second->bootTimes().note);
    BOOST_TEST(second->isUp());
    second->destroy();

    auto third = guest::makeGuest(guest::GuestKind::Initramfs, connection(), image, config("warm-f", root.path, 1));
    third->start();
    report("initramfs third", *third);
    BOOST_TEST(third->bootTimes().mode == "warm-saved");
    third->destroy();
}
