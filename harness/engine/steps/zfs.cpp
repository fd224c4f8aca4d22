///@file ZFS drills (docs/drill-format.md, "ZFS"): the pool on a file vdev and its datasets; for
/// each snapshot job (backup.useSnapshots) its snapshot listed between the job's prepare and
/// restic, taken as what the backup must contain; after each run, every snapshot taken was
/// destroyed; after a restore, the snapshot's paths mapped back to the live ones.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"
#include "faults/kind.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::trimmed;
using guest::shellQuote;

namespace {

constexpr const char* captureScript = R"SH(#!/bin/bash
# nixdrill (ZFS drills): runs after the job's prepare took its snapshot and before restic reads
# it; keeps the snapshot's paths and manifest, which the restored data must match.
set -euo pipefail
job=$1
rt=${RUNTIME_DIRECTORY:-/run/restic-backups-$job}
out=/var/lib/nixdrill-zfs
[ -s "$rt/paths" ] || { echo "nixdrill-zfs-capture: no $rt/paths (no snapshot paths)" >&2; exit 1; }
mapfile -t paths <"$rt/paths"
bash /usr/local/lib/nixdrill/manifest.sh / "${paths[@]}" >"$out/$job.manifest.tmp"
cp "$rt/paths" "$out/$job.paths.tmp"
mv -f "$out/$job.manifest.tmp" "$out/$job.manifest"
mv -f "$out/$job.paths.tmp" "$out/$job.paths"
)SH";

/// A path inside a ZFS snapshot mapped to the live path it was taken of:
/// <mountpoint>/.zfs/snapshot/<name>/rest -> <mountpoint>/rest; other paths unchanged.
std::string liveOf(const std::string& path) {
    static const std::string marker = "/.zfs/snapshot/";
    auto at = path.find(marker);
    if (at == std::string::npos) {
        return path;
    }
    auto end = path.find('/', at + marker.size());
    auto live = path.substr(0, at) + (end == std::string::npos ? "" : path.substr(end));
    return live.empty() ? "/" : live;
}

struct ZfsCounts {
    unsigned took = 0;
    unsigned destroyed = 0;
};

class Zfs final : public drill::StepFamily {
public:
    std::string_view name() const override { return "zfs"; }
    bool runs(const model::DrillStep&) const override { return false; }
    void run(DrillContext&, const model::DrillStep&) override {}

    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (in.drill.zfs && step.inPlace) {
            // A snapshot job's restic snapshot holds .zfs/snapshot/<name>/ paths; the drill maps
            // them back in a scratch directory only.
            in.reader.fail(in.pointer + "/inPlace", "in-place restores are not supported in ZFS drills (/drill/zfs)");
        }
    }

    /// Before the seed: the data paths are on its datasets.
    void provision(DrillContext& ctx) override {
        if (ctx.drill.zfs) {
            provisionPool(ctx);
        }
    }

    void beforeJobs(DrillContext& ctx, drill::BackupWindow&) override {
        if (ctx.drill.zfs) {
            ctx.client().must("rm -f /var/lib/nixdrill-zfs/*"); // captures of an earlier run
        }
        before_ = counts(ctx);
    }

    void judgeRun(DrillContext& ctx, drill::BackupWindow& window) override {
        if (!window.fault) {
            loadCaptures(ctx, window.number, window.failures);
            checkAfterRun(ctx, true, window.failures);
            return;
        }
        if (ctx.drill.zfs) {
            // A run that got as far as restic backed up the snapshot: its capture is what a
            // restore of this backup must match. None (the run failed before) is no failure here.
            std::vector<std::string> ignored;
            loadCaptures(ctx, window.number, ignored);
        }
        if (faults::kindOf(*window.fault).jobEffect() != faults::JobEffect::PowerCut) {
            // Whatever failed, cleanup destroys the snapshot (a power cut leaves it to the next run).
            checkAfterRun(ctx, false, window.failures);
        }
    }

    void restored(DrillContext& ctx, const drill::RestoredTree& tree, std::vector<std::string>&) override {
        auto& read = ctx.ledger.pathsRead[tree.number];
        if (auto zp = read.find(tree.job.name); zp != read.end()) {
            mapSnapshotPaths(ctx, tree.target, zp->second);
        }
    }

private:
    /// The pool (a file vdev) and its datasets at their default mountpoints; the snapshot
    /// capture and, for every snapshot job, a drop-in that runs it between the job's prepare
    /// (snapshot taken) and restic.
    static void provisionPool(DrillContext& ctx) {
        auto& m = ctx.client();
        const auto& z = *ctx.drill.zfs;
        // A small ARC: the guest has drill.memoryMiB for everything else too.
        m.must("modprobe zfs zfs_arc_max=67108864");
        auto version = trimmed(m.must("cat /sys/module/zfs/version").out);
        std::string img = "/var/lib/nixdrill-disks/zpool-" + z.pool + ".img";
        m.must("set -e; mkdir -p /var/lib/nixdrill-disks; truncate -s " + std::to_string(z.sizeMiB) + "M " + img +
               "; zpool create -f " + shellQuote(z.pool) + " " + img);
        for (const auto& ds : z.datasets) {
            m.must("zfs create -p " + shellQuote(ds));
        }
        ctx.note("ZFS " + version + ": pool " + z.pool + " on a " + std::to_string(z.sizeMiB) + " MiB file (" + img +
                 ")\n" + m.must("zfs list -H -o name,mountpoint").out);
        m.must("mkdir -p /usr/local/lib/nixdrill /var/lib/nixdrill-zfs");
        m.writeFile("/usr/local/lib/nixdrill/manifest.sh", std::string(verify::manifestScript()));
        m.writeFile("/usr/local/bin/nixdrill-zfs-capture", captureScript);
        m.must("chmod 0755 /usr/local/bin/nixdrill-zfs-capture");
        for (const auto& job : ctx.plan.jobs) {
            if (!drill::isSnapshotJob(job)) {
                continue;
            }
            // A drop-in's ExecStartPre= runs after the unit's own (the job's prepare).
            std::string dir = "/etc/systemd/system/" + job.unit + ".d";
            m.must("mkdir -p " + shellQuote(dir));
            m.writeFile(dir + "/nixdrill-zfs-capture.conf",
                        "[Service]\nExecStartPre=/usr/local/bin/nixdrill-zfs-capture " + job.name + "\n");
            ctx.note("job " + job.name + " snapshots " + job.zfsDataset +
                     ": its snapshot is listed before restic reads it");
        }
    }

    static unsigned journalCount(drill::Machine& m, const DrillJob& job, const std::string& what) {
        auto r = m.sh("journalctl --no-pager -o cat -u " + shellQuote(job.unit) + " | grep -cF " +
                      shellQuote("nixdrill[" + job.name + "]: " + what) + "; true");
        try {
            return static_cast<unsigned>(std::stoul(trimmed(r.out)));
        } catch (const std::exception&) {
            return 0;
        }
    }

    /// How often each snapshot job said it took and destroyed a snapshot (its journal).
    static std::map<std::string, ZfsCounts> counts(DrillContext& ctx) {
        std::map<std::string, ZfsCounts> out;
        for (const auto& job : ctx.plan.jobs) {
            if (drill::isSnapshotJob(job)) {
                out[job.name] = {journalCount(ctx.client(), job, "took snapshot"),
                                 journalCount(ctx.client(), job, "destroyed snapshot")};
            }
        }
        return out;
    }

    /// After a run: whether each snapshot job took a snapshot and destroyed it, and that no
    /// snapshot named after a job is left in the pool.
    void checkAfterRun(DrillContext& ctx, bool requireTaken, std::vector<std::string>& failures) {
        if (!ctx.drill.zfs) {
            return;
        }
        auto& m = ctx.client();
        for (const auto& job : ctx.plan.jobs) {
            if (drill::isSnapshotJob(job)) {
                checkJobAfterRun(ctx, job, requireTaken, failures);
            }
        }
        auto left = trimmed(m.must("zfs list -H -o name -t snapshot -r " + shellQuote(ctx.drill.zfs->pool)).out);
        std::string ours;
        std::istringstream in(left);
        for (std::string line; std::getline(in, line);) {
            if (line.find("@nixdrill-") != std::string::npos) {
                ours += (ours.empty() ? "" : ", ") + line;
            }
        }
        ctx.note("ZFS snapshots of pool " + ctx.drill.zfs->pool + " after the run: " + (left.empty() ? "none" : left));
        if (!ours.empty()) {
            failures.push_back("ZFS snapshot(s) left after the run: " + ours);
        }
    }

    void checkJobAfterRun(DrillContext& ctx, const DrillJob& job, bool requireTaken,
                          std::vector<std::string>& failures) {
        auto& m = ctx.client();
        auto was = before_.count(job.name) != 0 ? before_.at(job.name) : ZfsCounts{};
        ZfsCounts now;
        // journald takes the job's output asynchronously.
        for (int attempt = 0; attempt < 10; ++attempt) {
            now = {journalCount(m, job, "took snapshot"), journalCount(m, job, "destroyed snapshot")};
            if (now.took > was.took && now.destroyed > was.destroyed) {
                break;
            }
            m.sh("sleep 0.5");
        }
        unsigned took = now.took - was.took;
        unsigned destroyed = now.destroyed - was.destroyed;
        ctx.note("job " + job.name + ": took " + std::to_string(took) + " ZFS snapshot(s) of " + job.zfsDataset +
                 " in this run, destroyed " + std::to_string(destroyed));
        if (requireTaken && took == 0) {
            failures.push_back("job " + job.name + " took no ZFS snapshot of " + job.zfsDataset);
        }
        if (took > destroyed) {
            failures.push_back("job " + job.name + " took " + std::to_string(took) + " ZFS snapshot(s) but logged " +
                               std::to_string(destroyed) + " destroyed");
        }
    }

    /// What the drop-in captured while the snapshot existed: its paths (this backup's restic
    /// paths) and its manifest, keyed by the live paths, as this backup's expected content.
    static void loadCaptures(DrillContext& ctx, unsigned number, std::vector<std::string>& failures) {
        for (const auto& job : ctx.plan.jobs) {
            if (drill::isSnapshotJob(job)) {
                loadCapture(ctx, job, number, failures);
            }
        }
    }

    static void loadCapture(DrillContext& ctx, const DrillJob& job, unsigned number,
                            std::vector<std::string>& failures) {
        auto& m = ctx.client();
        std::string base = "/var/lib/nixdrill-zfs/" + job.name;
        auto paths = m.sh("cat " + shellQuote(base + ".paths"));
        auto manifest = m.sh("cat " + shellQuote(base + ".manifest"));
        m.sh("rm -f " + shellQuote(base + ".paths") + " " + shellQuote(base + ".manifest"));
        if (!paths.succeeded() || !manifest.succeeded()) {
            failures.push_back("job " + job.name + ": its snapshot was never listed (no prepare with a snapshot?)");
            return;
        }
        std::vector<std::string> list;
        std::istringstream in(paths.out);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) {
                list.push_back(line);
            }
            if (liveOf(line) == line) {
                failures.push_back("job " + job.name + " backed up the live path " + line + ", not its snapshot");
            }
        }
        verify::ParsedManifest parsed;
        try {
            parsed = verify::parseManifest(manifest.out);
        } catch (util::Error& e) {
            e.addContext("while reading the manifest of job " + job.name + "'s ZFS snapshot");
            throw;
        }
        auto live = drill::dataPaths(job);
        verify::Manifest mapped;
        for (auto& [path, entry] : parsed.entries) {
            entry.path = liveOf(path);
            const auto& at = entry.path; // (clang 14 cannot capture a structured binding)
            bool data = std::any_of(live.begin(), live.end(),
                                    [&](const std::string& p) { return at == p || at.rfind(p + "/", 0) == 0; });
            if (data) {
                mapped[entry.path] = entry;
            }
        }
        ctx.note("job " + job.name + ": restic read the snapshot's paths (" + std::to_string(list.size()) +
                 "), listed with " + std::to_string(mapped.size()) + " entries before restic began");
        ctx.ledger.pathsRead[number][job.name] = list;
        ctx.ledger.manifests[number][job.name] = std::move(mapped);
    }

    /// restic keeps a snapshot job's paths as <mountpoint>/.zfs/snapshot/<name>/...: moves the
    /// restored trees to the live paths they were taken of, under `target`.
    static void mapSnapshotPaths(DrillContext& ctx, const std::string& target, const std::vector<std::string>& paths) {
        std::string cmd = "set -e; cd " + shellQuote(target) + "; ";
        std::set<std::string> zfsDirs;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            cmd += "mv -T ." + shellQuote(paths[i]) + " .nixdrill-live-" + std::to_string(i) + "; ";
            auto at = paths[i].find("/.zfs/snapshot/");
            if (at != std::string::npos) {
                zfsDirs.insert(paths[i].substr(0, at) + "/.zfs");
            }
        }
        for (const auto& d : zfsDirs) {
            cmd += "rm -rf -- ." + shellQuote(d) + "; ";
        }
        for (std::size_t i = 0; i < paths.size(); ++i) {
            auto live = liveOf(paths[i]);
            cmd += "mkdir -p ." + shellQuote(drill::dirOf(live)) + "; rmdir ." + shellQuote(live) +
                   " 2>/dev/null || true; mv -T .nixdrill-live-" + std::to_string(i) + " ." + shellQuote(live) + "; ";
        }
        cmd += "test -z \"$(find . -name .zfs -print -quit)\"";
        auto r = ctx.client().sh(cmd);
        if (!r.succeeded()) {
            throw drill::StepFailed("cannot map the restored snapshot paths back to the live paths in " + target +
                                    ": " + ctx.redactor.apply(r.describe()));
        }
        ctx.note("mapped " + std::to_string(paths.size()) + " restored snapshot path(s) back to the live paths");
    }

    std::map<std::string, ZfsCounts> before_; ///< the journals' counts before the running backup
};

} // namespace

FamilyPtr zfsFamily() {
    return std::make_unique<Zfs>();
}

} // namespace nixdrill::engine::steps
