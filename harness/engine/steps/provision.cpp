///@file The drill's first case: boot the client, install the rendered jobs and probe services,
/// write the secrets, give repositories their own disks, seed the data.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"
#include "faults/fault.hpp"
#include "util/file.hpp"

#include <cstdlib>
#include <set>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::fmt;
using guest::shellQuote;

namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string unitFileOfProbe(const std::string& unit) {
    // Records when it starts and stops (seconds since boot, the clock systemd's monotonic
    // timestamps use) so the drill can prove it was down while restic read its data. While the
    // unit-refuses-to-stop marker exists its ExecStop hangs until TimeoutStopSec. Enabled, so
    // it is running again after a power cut, as a real service would be.
    std::string log = "/var/log/nixdrill-probe/" + unit;
    return "[Unit]\nDescription=nixdrill probe service " + unit +
           "\n\n[Service]\nExecStartPre=/bin/sh -c 'mkdir -p /var/log/nixdrill-probe; echo start $(cut -d\" \" -f1 "
           "/proc/uptime) >> " +
           log + "'\nExecStart=/bin/sleep infinity\nExecStop=/bin/sh -c 'if [ -e " +
           std::string(faults::unitStopMarker) +
           " ]; then exec sleep 3600; fi'\nTimeoutStopSec=" + std::to_string(faults::probeStopTimeoutSeconds) +
           "s\nExecStopPost=/bin/sh -c 'echo stop $(cut -d\" \" -f1 /proc/uptime) >> " + log +
           "'\n\n[Install]\nWantedBy=multi-user.target\n";
}

class Provision final : public drill::StepFamily {
public:
    std::string_view name() const override { return "provision"; }
    bool runs(const model::DrillStep&) const override { return false; }
    void run(DrillContext&, const model::DrillStep&) override {}

    void provision(DrillContext& ctx) override {
        auto& m = ctx.client();
        auto t0 = std::chrono::steady_clock::now();
        m.guest().start();
        ctx.note("booted " + m.guest().name() + " to agent in " +
                 fmt(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) + " s");
        // A NixOS guest is built from this scenario (nix/nixos/guest.nix): its system already has
        // the modules' own job units and the probe units, so nothing rendered is installed; the
        // drill checks that they are there (an image of another scenario would lack them).
        builtIn_ = m.guest().providesBackupUnits();
        if (builtIn_) {
            useBuiltInUnits(ctx);
        } else {
            installRendered(ctx);
        }
        makeSecrets(ctx);
        ctx.writeSecrets();
        if (ctx.drill.repositoryDiskMiB > 0) {
            makeRepositoryDisks(ctx);
        }
    }

    void afterProvision(DrillContext& ctx) override {
        auto& m = ctx.client();
        m.must("systemctl daemon-reload");
        startGuestServices(ctx, builtIn_);
        if (!ctx.probes.empty()) {
            std::string units;
            for (const auto& u : ctx.probes) {
                units += " " + shellQuote(u);
            }
            if (!builtIn_) {
                m.must("systemctl enable --quiet" + units);
            }
            m.must("systemctl start" + units);
        }
        if (builtIn_) {
            ctx.note("used the NixOS system's " + std::to_string(ctx.plan.jobs.size()) + " job units and " +
                     std::to_string(ctx.probes.size()) + " probe units (nothing installed)");
        } else {
            ctx.note("installed " + std::to_string(ctx.plan.files.size()) + " rendered files and " +
                     std::to_string(ctx.probes.size()) + " probe units");
        }
        seedData(ctx);
    }

private:
    static std::set<std::string> serviceUnits(const DrillContext& ctx) {
        std::set<std::string> units(ctx.drill.extraProbes.begin(), ctx.drill.extraProbes.end());
        for (const auto& job : ctx.plan.jobs) {
            units.insert(job.systemdUnits.begin(), job.systemdUnits.end());
        }
        return units;
    }

    /// drill.units: the guest's own services the contract's hooks need (a database server),
    /// enabled so that they come back after a power cut as on a real host. A NixOS system's
    /// units are enabled by its configuration (its /etc is read-only): they are only started.
    static void startGuestServices(DrillContext& ctx, bool builtIn) {
        if (ctx.drill.units.empty()) {
            return;
        }
        auto& m = ctx.client();
        std::string units;
        for (const auto& u : ctx.drill.units) {
            if (!m.sh("systemctl cat " + shellQuote(u) + " >/dev/null 2>&1").succeeded()) {
                throw util::InputError("/drill/units: the guest has no unit " + u +
                                       " (scripts/vm/build-guest.sh lists the Debian guest's packages)");
            }
            units += " " + shellQuote(u);
        }
        auto r = m.sh((builtIn ? "systemctl start" : "systemctl enable --quiet --now") + units);
        if (!r.succeeded()) {
            throw util::SystemError("cannot start the drill's units" + units + ": " + ctx.redactor.apply(r.describe()) +
                                    m.sh("journalctl --no-pager -n 30").out);
        }
        ctx.note("started the guest's own" + units);
    }

    static void useBuiltInUnits(DrillContext& ctx) {
        auto& m = ctx.client();
        m.must("mkdir -p /var/log/nixdrill-probe /var/cache/nixdrill-restic");
        auto requireUnit = [&](const std::string& unit) {
            if (!m.sh("systemctl cat " + shellQuote(unit) + " >/dev/null 2>&1").succeeded()) {
                throw util::InputError("the NixOS guest has no unit " + unit + " (was its image built for scenario " +
                                       ctx.scenario.name + "?)");
            }
        };
        for (const auto& job : ctx.plan.jobs) {
            requireUnit(job.unit);
        }
        for (const auto& unit : serviceUnits(ctx)) {
            requireUnit(unit);
            if (endsWith(unit, ".service")) {
                ctx.probes.push_back(unit);
            }
        }
    }

    static void installRendered(DrillContext& ctx) {
        auto& m = ctx.client();
        m.must("mkdir -p /usr/local/bin /etc/systemd/system /var/log/nixdrill-probe /var/cache/nixdrill-restic");
        for (const auto& [name, text] : ctx.plan.files) {
            bool script = endsWith(name, ".sh");
            std::string path = (script ? "/usr/local/bin/" : "/etc/systemd/system/") + name;
            m.writeFile(path, text);
            if (script) {
                m.must("chmod 0755 " + shellQuote(path));
            }
        }
        for (const auto& unit : serviceUnits(ctx)) {
            if (endsWith(unit, ".service")) {
                m.writeFile("/etc/systemd/system/" + unit, unitFileOfProbe(unit));
                ctx.probes.push_back(unit);
            } else if (endsWith(unit, ".timer")) {
                std::string base = unit.substr(0, unit.size() - 6);
                m.writeFile("/etc/systemd/system/" + unit, "[Timer]\nOnCalendar=yearly\n");
                m.writeFile("/etc/systemd/system/" + base + ".service",
                            "[Service]\nType=oneshot\nExecStart=/bin/true\n");
            } else {
                throw util::InputError("drill: cannot provide unit '" + unit +
                                       "' in the guest (only .service and .timer units are simulated)");
            }
        }
    }

    /// A fresh password per run, only ever written into the guest's file; environment files
    /// hold no credentials (the repositories are local).
    static void makeSecrets(DrillContext& ctx) {
        for (const auto& job : ctx.plan.jobs) {
            if (!ctx.secrets.contains(job.passwordFile)) {
                ctx.secrets[job.passwordFile] = ctx.newSecret() + "\n";
            }
            if (!job.environmentFile.empty() && !ctx.secrets.contains(job.environmentFile)) {
                std::string text = "# nixdrill: a local repository needs no credentials\n";
                if (std::getenv("NIXDRILL_TEST_PLANTED_SECRET") != nullptr) {
                    // Test seam: a credential-like value, as an s3: repository's file would hold.
                    text += "NIXDRILL_PLANTED_CREDENTIAL=" + ctx.newSecret() + "\n";
                }
                ctx.secrets[job.environmentFile] = text;
            }
            if (!job.metricsFile.empty()) {
                ctx.client().must("mkdir -p " + shellQuote(drill::dirOf(job.metricsFile)));
            }
        }
    }

    /// Each repository on its own small ext4 file system (a loop device), so that
    /// repository-disk-full fills it without filling the guest's root.
    static void makeRepositoryDisks(DrillContext& ctx) {
        std::set<std::string> done;
        unsigned n = 0;
        auto size = std::to_string(ctx.drill.repositoryDiskMiB);
        for (const auto& job : ctx.plan.jobs) {
            if (!done.insert(job.repository).second) {
                continue;
            }
            std::string img = "/var/lib/nixdrill-disks/repository-" + std::to_string(n++) + ".img";
            ctx.client().must("set -e; mkdir -p /var/lib/nixdrill-disks " + shellQuote(job.repository) +
                              "; truncate -s " + size + "M " + img + "; mkfs.ext4 -q -F -m 0 " + img +
                              "; mount -o loop " + img + " " + shellQuote(job.repository) + "; rmdir " +
                              shellQuote(job.repository + "/lost+found"));
            ctx.note("repository " + job.repository + " on its own " + size + " MiB file system (" + img + ")");
        }
    }

    /// The seed archive is built on the host, under the guest's run directory (swept with it
    /// when this process is killed), and unpacked in the guest.
    static void seedData(DrillContext& ctx) {
        std::vector<verify::SeedEntry> all;
        for (const auto& job : ctx.plan.jobs) {
            model::SeedData spec;
            if (auto it = ctx.drill.data.find(drill::serviceOf(job)); it != ctx.drill.data.end()) {
                spec = it->second;
            }
            verify::SeedSpec s{spec.files,    spec.maxFileSize, spec.depth,
                               spec.symlinks, spec.nonAscii,    drill::dataExcludes(ctx.drill, job)};
            for (const auto& path : job.paths) {
                if (path == job.pgDumpDir || path == job.pgRepoPath) {
                    continue; // written by the job's pg_dump and pgBackRest, not by the drill
                }
                auto entries = verify::planSeed(path, s, ctx.drill.seed);
                all.insert(all.end(), entries.begin(), entries.end());
            }
        }
        ctx.seed = all;
        if (all.empty()) {
            return; // no restic jobs (a drill of container backups alone)
        }
        auto bytes = drill::unpackSeed(ctx, all);
        ctx.note("seeded " + std::to_string(all.size()) + " entries (" + std::to_string(bytes) +
                 " bytes of tar) from seed " + std::to_string(ctx.drill.seed));
    }

    bool builtIn_ = false;
};

} // namespace

FamilyPtr provisionFamily() {
    return std::make_unique<Provision>();
}

} // namespace nixdrill::engine::steps
