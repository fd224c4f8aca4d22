///@file Restore verification throughput: the drill's manifest command (verify::manifestScript)
/// against a bare `sha256sum` over the same files in the same guest, timed inside the guest so
/// agent round trips do not count. Needs root and libvirtd.
/// Usage: manifest-bench [FILES] [FILE_KIB] [RUNS]   (default 2000 files of 32 KiB, 3 runs)
#include "guest/image.hpp"
#include "guest/libvirt_guest.hpp"
#include "verify/manifest.hpp"
#include "vm/accelerator.hpp"
#include "vm/connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nixdrill;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

/// Seconds the command took inside the guest (its output discarded, caches warm).
double timed(guest::Guest& g, const std::string& command) {
    auto r = g.succeed("s=$(date +%s.%N); " + command + " >/dev/null; e=$(date +%s.%N); echo \"$s $e\"",
                       std::chrono::minutes(10));
    double s = 0;
    double e = 0;
    if (std::sscanf(r.out.c_str(), "%lf %lf", &s, &e) != 2) {
        throw std::runtime_error("cannot read the timing: " + r.out);
    }
    return e - s;
}

} // namespace

int main(int argc, char** argv) {
    int files = argc > 1 ? std::atoi(argv[1]) : 2000;
    int kib = argc > 2 ? std::atoi(argv[2]) : 32;
    int runs = argc > 3 ? std::atoi(argv[3]) : 3;
    try {
        vm::Connection connection;
        auto image = guest::buildGuestImage(guest::GuestKind::Systemd);
        guest::GuestConfig config;
        config.name = vm::domainName("bench" + std::to_string(::getpid()), "manifest");
        config.runId = "bench";
        config.accelerator = vm::detectAccelerator().accelerator;
        config.memoryMiB = 768;
        config.warmStart = true;
        auto g = guest::makeGuest(guest::GuestKind::Systemd, connection, image, config);
        g->start();
        // Files on the guest's disk (not tmpfs), cached after the first read like a restore's.
        // One process writes them all (a shell loop spawning `head` per file took minutes under TCG).
        g->succeed("mkdir -p /var/tmp/mb/data/a && head -c " +
                       std::to_string(static_cast<long long>(files) * kib * 1024) + " /dev/urandom | split -b " +
                       std::to_string(kib * 1024) + " -a 5 - /var/tmp/mb/data/a/f && sync",
                   std::chrono::minutes(10));
        g->writeFile("/var/tmp/mb/manifest.sh", std::string(verify::manifestScript()));
        std::string manifest = "bash /var/tmp/mb/manifest.sh /var/tmp/mb /data";
        std::string bare = "cd /var/tmp/mb && find ./data -type f -print0 | xargs -0 -r sha256sum";
        timed(*g, bare); // warm the page cache
        std::vector<double> m;
        std::vector<double> b;
        for (int i = 0; i < runs; ++i) {
            b.push_back(timed(*g, bare));
            m.push_back(timed(*g, manifest));
        }
        double mb = static_cast<double>(files) * kib / 1024.0;
        double tm = median(m);
        double tb = median(b);
        std::printf("%d files of %d KiB (%.0f MiB) in the systemd guest (%s start):\n", files, kib, mb,
                    g->bootTimes().mode.c_str());
        std::printf("  bare sha256sum: %.2f s (%.1f MiB/s)\n  manifest:       %.2f s (%.1f MiB/s)\n", tb, mb / tb, tm,
                    mb / tm);
        std::printf("manifest throughput is %.0f%% of sha256sum's (target >= 80%%)\n", 100.0 * tb / tm);
        // Where a drill's restic commands spend their fixed cost: process start-up vs the
        // repository key derivation (scrypt) every command pays when it opens the repository.
        g->succeed("printf bench > /var/tmp/mb/pw && restic -q init -r /var/tmp/mb/repo -p /var/tmp/mb/pw",
                   std::chrono::minutes(2));
        std::vector<double> version;
        std::vector<double> cat;
        for (int i = 0; i < runs; ++i) {
            version.push_back(timed(*g, "restic version"));
            cat.push_back(timed(*g, "restic -r /var/tmp/mb/repo -p /var/tmp/mb/pw cat config"));
        }
        std::printf("restic in the guest: `restic version` %.2f s, `restic cat config` %.2f s "
                    "(key derivation + repository open: %.2f s per restic command)\n",
                    median(version), median(cat), median(cat) - median(version));
        g->destroy();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "manifest-bench: %s\n", e.what());
        return 2;
    }
}
