///@file Cold boot vs warm start (restore from a saved state) of the drill guest, side by side in
/// one run: time from "start" to an agent that answers (and, warm, a corrected clock). Needs
/// root and libvirtd. Usage: vm-start-bench [RUNS] [systemd|initramfs] [MEMORY_MIB]
#include "guest/image.hpp"
#include "guest/libvirt_guest.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nixdrill;
using Seconds = std::chrono::duration<double>;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
    int runs = argc > 1 ? std::atoi(argv[1]) : 3;
    auto kind = guest::parseGuestKind(argc > 2 ? argv[2] : "systemd");
    unsigned memory = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 768;
    try {
        vm::Connection connection;
        auto accel = vm::detectAccelerator();
        auto image = guest::buildGuestImage(kind);
        std::string runId = "bench" + std::to_string(::getpid());
        auto config = [&](const std::string& what, bool warm) {
            guest::GuestConfig c;
            c.name = vm::domainName(runId, what);
            c.runId = runId;
            c.accelerator = accel.accelerator;
            c.memoryMiB = memory;
            c.warmStart = warm;
            return c;
        };
        std::printf("guest %s (%s), %u MiB, 1 vCPU, accelerator %s\n", std::string(toString(kind)).c_str(),
                    image.key.c_str(), memory, std::string(vm::toString(accel.accelerator)).c_str());

        // Make sure the saved state exists (its one-off cost is printed, not compared).
        {
            auto g = guest::makeGuest(kind, connection, image, config("warm-prepare", true));
            auto t0 = std::chrono::steady_clock::now();
            g->start();
            double total = Seconds(std::chrono::steady_clock::now() - t0).count();
            std::printf("saved state: %s (start %.2f s, of which boot+settle+save %.2f s)%s%s\n",
                        g->bootTimes().mode.c_str(), total, g->bootTimes().save.count(),
                        g->bootTimes().note.empty() ? "" : "; ", g->bootTimes().note.c_str());
            g->destroy();
        }

        // "to agent": start() until the agent answers (warm: restored, agent answers; the clock
        // fix is not counted). "ready": until a drill can use it: cold, agent plus systemd
        // finishing its boot (is-system-running --wait; a warm guest was saved settled); warm,
        // agent plus the clock fix (the whole start()).
        std::vector<double> cold;
        std::vector<double> warm;
        std::vector<double> coldReady;
        std::vector<double> warmReady;
        std::printf("%-5s %-5s %9s %9s %9s %9s %9s %9s\n", "run", "mode", "prepare", "create", "agent", "clockfix",
                    "to-agent", "ready");
        // Interleaved, so drift in the machine's load hits both alike.
        for (int i = 0; i < runs; ++i) {
            for (bool w : {false, true}) {
                auto g = guest::makeGuest(kind, connection, image,
                                          config(std::string(w ? "warm-" : "cold-") + std::to_string(i), w));
                auto t0 = std::chrono::steady_clock::now();
                g->start();
                double total = Seconds(std::chrono::steady_clock::now() - t0).count();
                const auto& t = g->bootTimes();
                if (w && t.mode != "warm") {
                    std::fprintf(stderr, "warm start did not happen: %s %s\n", t.mode.c_str(), t.note.c_str());
                    return 1;
                }
                double toAgent = total - t.clockFix.count();
                double ready = total;
                if (!w && kind != guest::GuestKind::Initramfs) {
                    g->exec("systemctl is-system-running --wait", std::chrono::minutes(3));
                    ready = Seconds(std::chrono::steady_clock::now() - t0).count();
                }
                (w ? warm : cold).push_back(toAgent);
                (w ? warmReady : coldReady).push_back(ready);
                std::printf("%-5d %-5s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", i, t.mode.c_str(), t.prepare.count(),
                            t.create.count(), t.agent.count(), t.clockFix.count(), toAgent, ready);
                g->destroy();
            }
        }
        double c = median(cold);
        double w = median(warm);
        std::printf("time to agent: cold %.2f s, warm %.2f s (medians of %d): warm is %.1fx faster (target >= 5x)\n", c,
                    w, runs, w > 0 ? c / w : 0.0);
        double cr = median(coldReady);
        double wr = median(warmReady);
        std::printf("time to ready (cold: systemd booted; warm: clock set): cold %.2f s, warm %.2f s: %.1fx\n", cr, wr,
                    wr > 0 ? cr / wr : 0.0);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vm-start-bench: %s\n", e.what());
        return 2;
    }
}
