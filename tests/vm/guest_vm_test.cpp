///@file Real VMs: boots the initramfs and the systemd guest under libvirt and drives them
/// through the guest agent; proves no domain or run directory is left behind, also when the
/// owning process is killed. Needs root and libvirtd (scripts/vm/start-libvirt.sh).
#include "guest/errors.hpp"
#include "guest/image.hpp"
#include "guest/libvirt_guest.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"
#include "vm/libvirt_error.hpp"
#include "vm/sweep.hpp"

#include <algorithm>
#include <boost/process.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

namespace bp = boost::process;
using namespace nixdrill;
using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

namespace {

std::string runId() {
    static std::string id = "t" + std::to_string(::getpid());
    return id;
}

vm::Connection& connection() {
    static vm::Connection conn;
    return conn;
}

// Built once per test process; the build time of a cache hit is what shows here after the
// first run (cold build times are in the image manifest).
const guest::GuestImage& image(guest::GuestKind kind) {
    static std::map<guest::GuestKind, guest::GuestImage> images;
    if (auto it = images.find(kind); it != images.end()) {
        return it->second;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto built = guest::buildGuestImage(kind);
    std::cout << "timing: " << toString(kind) << " image ready in "
              << Seconds(std::chrono::steady_clock::now() - t0).count() << " s (cold build took "
              << built.buildTime.count() / 1000.0 << " s)" << std::endl;
    return images.emplace(kind, built).first->second;
}

guest::GuestConfig config(std::string_view scenario) {
    guest::GuestConfig c;
    c.name = vm::domainName(runId(), scenario);
    c.runId = runId();
    c.accelerator = vm::detectAccelerator().accelerator;
    c.bootTimeout = 120s;
    return c;
}

bool domainExists(const std::string& name) {
    return connection().lookupDomain(name).has_value();
}

// A deterministic byte pattern that is not periodic at any chunk size.
std::string pattern(std::size_t size) {
    std::string data(size, '\0');
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (auto& c : data) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x & 0xff);
    }
    return data;
}

// Everything both guests must do; `kind` only changes the image.
void exerciseGuest(guest::ImageGuest& g) {
    auto kind = toString(g.image().kind);
    const auto& times = g.bootTimes();
    std::cout << "timing: " << kind << " boot: prepare " << times.prepare.count() << " s, create "
              << times.create.count() << " s, create->agent " << times.agent.count() << " s" << std::endl;
    BOOST_TEST(g.isUp());

    // exec round trip
    constexpr int rounds = 10;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) {
        g.succeed("true");
    }
    std::cout << "timing: " << kind
              << " exec round trip (`true`): " << Seconds(std::chrono::steady_clock::now() - t0).count() / rounds * 1000
              << " ms" << std::endl;

    auto hello = g.succeed("echo hello; echo oops >&2");
    BOOST_TEST(hello.out == "hello\n");
    BOOST_TEST(hello.err == "oops\n");
    auto input = g.exec("cat", 10s, "fed through stdin");
    BOOST_TEST(input.out == "fed through stdin");

    auto three = g.fail("echo before; exit 3");
    BOOST_TEST(three.exitCode == 3);
    BOOST_CHECK_EXCEPTION(
        g.succeed("echo visible-output; exit 3"), guest::CommandFailed, [](const guest::CommandFailed& e) {
            std::string m = e.what();
            return m.find("exited with 3") != std::string::npos && m.find("visible-output") != std::string::npos;
        });
    BOOST_CHECK_THROW(g.fail("true"), guest::CommandFailed);
    auto killed = g.exec("kill -9 $$");
    BOOST_TEST(!killed.succeeded());
    BOOST_TEST(killed.signal.value_or(0) == 9);

    // A command that overruns is killed and reported; the guest stays usable.
    auto t1 = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(g.exec("sleep 30", 1s), util::TimeoutError);
    BOOST_TEST(Seconds(std::chrono::steady_clock::now() - t1).count() < 5.0);
    // Neither the shell nor the sleep it started is left running.
    g.succeed("test \"$(for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done | "
              "grep -c '^sleep 30 ')\" = 0");

    // waitUntil: one that times out says what, how long and the last output ...
    auto t2 = std::chrono::steady_clock::now();
    BOOST_CHECK_EXCEPTION(g.waitUntilSucceeds("echo not-yet; test -e /tmp/never", 1500ms), guest::WaitTimedOut,
                          [](const guest::WaitTimedOut& e) {
                              std::string m = e.what();
                              std::cout << "waitUntil timeout message: " << m << std::endl;
                              return m.find("gave up waiting for `echo not-yet; test -e /tmp/never` to succeed") !=
                                         std::string::npos &&
                                     m.find("after 1.") != std::string::npos && m.find("not-yet") != std::string::npos;
                          });
    auto waited = Seconds(std::chrono::steady_clock::now() - t2).count();
    BOOST_TEST(waited >= 1.5);
    BOOST_TEST(waited < 4.0);
    // ... and one that succeeds once a background job has done its work.
    g.succeed("(sleep 1; touch /tmp/flag) >/dev/null 2>&1 &");
    g.fail("test -e /tmp/flag");
    g.waitUntilSucceeds("test -e /tmp/flag", 20s);

    // Files larger than one agent reply (10 MiB) go in chunks, both ways.
    auto data = pattern(12 * 1024 * 1024 + 123);
    auto t3 = std::chrono::steady_clock::now();
    g.writeFile("/tmp/big", data);
    auto tw = Seconds(std::chrono::steady_clock::now() - t3).count();
    BOOST_TEST(g.succeed("wc -c < /tmp/big").out == std::to_string(data.size()) + "\n");
    auto t4 = std::chrono::steady_clock::now();
    auto back = g.readFile("/tmp/big");
    auto tr = Seconds(std::chrono::steady_clock::now() - t4).count();
    BOOST_TEST(back.size() == data.size());
    BOOST_TEST((back == data));
    std::cout << "timing: " << kind << " 12 MiB file: write " << tw << " s, read " << tr << " s" << std::endl;
    // Bytes made in the guest survive the round trip through the host unchanged.
    g.succeed("head -c 11000000 /dev/urandom > /tmp/random");
    g.writeFile("/tmp/random.copy", g.readFile("/tmp/random"));
    g.succeed("cmp /tmp/random /tmp/random.copy");
    g.writeFile("/tmp/empty", "");
    BOOST_TEST(g.readFile("/tmp/empty").empty());
    BOOST_CHECK_THROW(g.readFile("/nonexistent/file"), vm::AgentCommandError);

    // Guest clock: set to a fixed instant, read back through exec.
    auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1893456000)); // 2030-01-01
    g.setTime(when);
    auto now = std::stoll(g.succeed("date +%s").out);
    BOOST_TEST(now >= 1893456000);
    BOOST_TEST(now < 1893456000 + 60);

    // The generic writer helper is on PATH.
    g.succeed("command -v nixdrill-writer");
}

} // namespace

BOOST_AUTO_TEST_SUITE(vm_guests)

BOOST_AUTO_TEST_CASE(accelerator_detection_is_quick) {
    auto t0 = std::chrono::steady_clock::now();
    auto choice = vm::detectAccelerator();
    std::cout << "accelerator: " << toString(choice.accelerator) << " (" << choice.reason << ") in "
              << Seconds(std::chrono::steady_clock::now() - t0).count() << " s" << std::endl;
    BOOST_TEST(Seconds(std::chrono::steady_clock::now() - t0).count() < 5.0);
}

BOOST_AUTO_TEST_CASE(initramfs_guest) {
    auto g = guest::makeGuest(guest::GuestKind::Initramfs, connection(), image(guest::GuestKind::Initramfs),
                              config("initramfs"));
    g->start();
    auto name = g->name();
    auto runDir = g->runDir();
    BOOST_TEST(domainExists(name));
    exerciseGuest(*g);
    g->succeed("nixdrill-writer /tmp/writer 0.05 >/dev/null 2>&1 & echo $! > /tmp/writer.pid");
    g->waitUntilSucceeds("test \"$(cat /tmp/writer/state 2>/dev/null || echo 0)\" -ge 5", 30s);
    g->succeed("kill $(cat /tmp/writer.pid)");
    BOOST_TEST(g->succeed("cat /tmp/writer/data-*.log | wc -l").out != "0\n");
    BOOST_TEST(g->succeed("restic version").out.find("restic 0.14") != std::string::npos);

    auto t0 = std::chrono::steady_clock::now();
    g->destroy();
    std::cout << "timing: initramfs destroy " << Seconds(std::chrono::steady_clock::now() - t0).count() << " s"
              << std::endl;
    BOOST_TEST(!domainExists(name));
    BOOST_TEST(!std::filesystem::exists(runDir));
    BOOST_TEST(!g->isUp());
}

BOOST_AUTO_TEST_CASE(systemd_guest) {
    auto g =
        guest::makeGuest(guest::GuestKind::Systemd, connection(), image(guest::GuestKind::Systemd), config("systemd"));
    g->start();
    auto name = g->name();
    auto t0 = std::chrono::steady_clock::now();
    auto running = g->exec("systemctl is-system-running --wait", 120s);
    std::cout << "timing: systemd agent->system running " << Seconds(std::chrono::steady_clock::now() - t0).count()
              << " s" << std::endl;
    std::cout << g->exec("systemd-analyze; systemd-analyze blame | head -n 12").out;
    // "running": every unit started, none failed.
    BOOST_TEST(running.out == "running\n", running.describe() << "\n" << g->exec("systemctl --failed").out);
    exerciseGuest(*g);

    // A service unit installed by the drill, writing while it runs.
    g->writeFile("/etc/systemd/system/writer.service",
                 "[Service]\nExecStart=/usr/local/bin/nixdrill-writer /var/lib/writer 0.05\n");
    g->succeed("systemctl daemon-reload && systemctl start writer.service");
    g->waitForUnit("writer.service", 30s);
    g->waitUntilSucceeds("test \"$(cat /var/lib/writer/state 2>/dev/null || echo 0)\" -ge 5", 30s);
    g->succeed("systemctl stop writer.service");
    g->succeed("test \"$(systemctl is-active writer.service)\" = inactive || true");
    // A unit that fails makes waitForUnit fail at once, not time out.
    g->exec("systemd-run --unit=broken.service sh -c 'exit 1'");
    auto t1 = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(g->waitForUnit("broken.service", 60s), guest::CommandFailed);
    BOOST_TEST(Seconds(std::chrono::steady_clock::now() - t1).count() < 30.0);
    // The cached root image is untouched: writes went to the overlay.
    BOOST_TEST(g->succeed("findmnt -n -o SOURCE /").out == "/dev/vda\n");

    auto t2 = std::chrono::steady_clock::now();
    g->shutdown(60s);
    std::cout << "timing: systemd clean shutdown " << Seconds(std::chrono::steady_clock::now() - t2).count() << " s"
              << std::endl;
    BOOST_TEST(!domainExists(name));
}

// guest-shutdown reaches busybox's poweroff through the /sbin/shutdown wrapper.
BOOST_AUTO_TEST_CASE(initramfs_guest_powers_off) {
    auto g = guest::makeGuest(guest::GuestKind::Initramfs, connection(), image(guest::GuestKind::Initramfs),
                              config("poweroff"));
    g->start();
    auto name = g->name();
    auto t0 = std::chrono::steady_clock::now();
    g->shutdown(30s);
    std::cout << "timing: initramfs clean shutdown " << Seconds(std::chrono::steady_clock::now() - t0).count() << " s"
              << std::endl;
    BOOST_TEST(!domainExists(name));
}

// A process killed with SIGKILL leaves its domain running; the next sweep removes it.
BOOST_AUTO_TEST_CASE(sweep_removes_domains_of_killed_runs) {
    const auto& img = image(guest::GuestKind::Initramfs);
    const char* helper = std::getenv("NIXDRILL_VM_LEAK_HELPER");
    BOOST_REQUIRE_MESSAGE(helper != nullptr, "NIXDRILL_VM_LEAK_HELPER is not set (meson sets it)");
    bp::ipstream out;
    bp::child child(helper, img.dir.string(), runId() + "-killed", bp::std_out > out);
    std::string name;
    std::string dir;
    BOOST_REQUIRE(std::getline(out, name));
    BOOST_REQUIRE(std::getline(out, dir));
    BOOST_TEST(domainExists(name));
    ::kill(child.id(), SIGKILL);
    child.wait();
    BOOST_TEST(domainExists(name)); // leaked, as expected after SIGKILL
    BOOST_TEST(std::filesystem::exists(dir));

    auto report = vm::sweepLeftovers(connection());
    BOOST_TEST(!domainExists(name));
    BOOST_TEST(!std::filesystem::exists(dir));
    BOOST_TEST((std::find(report.destroyedDomains.begin(), report.destroyedDomains.end(), name) !=
                report.destroyedDomains.end()));
    // Our own live domains are never swept.
    for (const auto& d : report.destroyedDomains) {
        BOOST_TEST(d.find(runId() + "-") != std::string::npos);
    }
}

// SIGTERM: the signal cleanup destroys the domain and removes the run directory itself.
BOOST_AUTO_TEST_CASE(sigterm_destroys_domains) {
    const auto& img = image(guest::GuestKind::Initramfs);
    const char* helper = std::getenv("NIXDRILL_VM_LEAK_HELPER");
    BOOST_REQUIRE(helper != nullptr);
    bp::ipstream out;
    bp::child child(helper, img.dir.string(), runId() + "-term", "--signal-cleanup", bp::std_out > out);
    std::string name;
    std::string dir;
    BOOST_REQUIRE(std::getline(out, name));
    BOOST_REQUIRE(std::getline(out, dir));
    BOOST_TEST(domainExists(name));
    ::kill(child.id(), SIGTERM);
    child.wait();
    BOOST_TEST(child.native_exit_code() != 0);
    BOOST_TEST(WIFSIGNALED(child.native_exit_code()));
    BOOST_TEST(!domainExists(name));
    BOOST_TEST(!std::filesystem::exists(dir));
}

// Whatever happened above, nothing of this test process may be left.
BOOST_AUTO_TEST_CASE(nothing_left_behind) {
    for (const auto& d : connection().listDomains("nixdrill-" + runId())) {
        BOOST_ERROR("domain left behind: " << d.name);
    }
}

BOOST_AUTO_TEST_SUITE_END()
