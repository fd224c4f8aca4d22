///@file capture: what restic read. Each job that reads its live paths lists them in the guest
/// at the moment restic begins (a drop-in's ExecStartPre=, which runs after the job's own
/// prepare stopped its units and ran its preBackup hooks); that listing is what a restore of the
/// backup must match, dump files written by the hooks included (docs/drill-format.md).
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"
#include "faults/kind.hpp"

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

constexpr const char* captureDir = "/var/lib/nixdrill-capture";

constexpr const char* captureScript = R"SH(#!/bin/bash
# nixdrill: the job unit's last ExecStartPre= (after its prepare: units stopped, preBackup hooks
# run), right before restic reads; lists the job's data paths as restic is about to read them.
set -euo pipefail
job=$1
shift
out=/var/lib/nixdrill-capture
mkdir -p "$out"
bash /usr/local/lib/nixdrill/manifest.sh / "$@" >"$out/$job.manifest.tmp"
mv -f "$out/$job.manifest.tmp" "$out/$job.manifest"
)SH";

class Capture final : public drill::StepFamily {
public:
    std::string_view name() const override { return "capture"; }
    bool runs(const model::DrillStep&) const override { return false; }
    void run(DrillContext&, const model::DrillStep&) override {}

    /// The script and, per job reading live paths (a snapshot job's listing is the ZFS
    /// family's), a drop-in that runs it. Allowed to fail ("-"): the harness must not change the
    /// job's outcome; a successful job without a listing is Broken when the run is judged.
    void provision(DrillContext& ctx) override {
        auto& m = ctx.client();
        m.must(std::string("mkdir -p /usr/local/lib/nixdrill /usr/local/bin ") + captureDir);
        m.writeFile("/usr/local/lib/nixdrill/manifest.sh", std::string(verify::manifestScript()));
        m.writeFile("/usr/local/bin/nixdrill-capture", captureScript);
        m.must("chmod 0755 /usr/local/bin/nixdrill-capture");
        for (const auto& job : ctx.plan.jobs) {
            if (drill::isSnapshotJob(job)) {
                continue;
            }
            std::string line = "ExecStartPre=-/usr/local/bin/nixdrill-capture " + drill::systemdArgument(job.name);
            for (const auto& p : drill::dataPaths(job)) {
                line += " " + drill::systemdArgument(p);
            }
            // A drop-in's ExecStartPre= runs after the unit's own (the job's prepare).
            auto dir = drill::dropInDir(m, job.unit);
            m.must("mkdir -p " + shellQuote(dir));
            m.writeFile(dir + "/nixdrill-capture.conf", "[Service]\n" + line + "\n");
        }
    }

    void beforeJobs(DrillContext& ctx, drill::BackupWindow&) override {
        ctx.client().must(std::string("rm -f ") + captureDir + "/*"); // listings of an earlier run
    }

    void judgeRun(DrillContext& ctx, drill::BackupWindow& window) override {
        for (const auto& job : ctx.plan.jobs) {
            if (!drill::isSnapshotJob(job)) {
                judgeJob(ctx, job, window);
            }
        }
    }

private:
    /// The job's listing: none when the job never got as far as restic (or the listing is
    /// unreadable, which `why` then says).
    static std::optional<verify::ParsedManifest> listing(DrillContext& ctx, const DrillJob& job, std::string& why) {
        auto r = ctx.client().sh("cat " + shellQuote(std::string(captureDir) + "/" + job.name + ".manifest"));
        if (!r.succeeded()) {
            why = "no listing";
            return std::nullopt;
        }
        try {
            // Live data: a writer's temporary file may be renamed away between find and hash.
            return verify::parseManifest(r.out, true);
        } catch (const util::Error& e) {
            why = "an unreadable listing (" + e.describe() + ")";
            return std::nullopt;
        }
    }

    static void judgeJob(DrillContext& ctx, const DrillJob& job, drill::BackupWindow& window) {
        auto& manifests = ctx.ledger.manifests[window.number];
        std::string why;
        auto read = listing(ctx, job, why);
        std::string prefix = "job " + job.name + ": ";
        if (window.fault) {
            // The faults family listed the data before the run; what restic read replaces it
            // unless the fault hides the data (io-errors: its listing was taken before).
            if (faults::kindOf(*window.fault).hidesData() || !read) {
                ctx.note(prefix + "kept the listing taken before the run (" +
                         (read ? "the fault makes the data unreadable" : why + " when restic began") + ")");
                return;
            }
            record(ctx, job, manifests, std::move(*read));
            return;
        }
        auto result = drill::parseShow(ctx.client().must("systemctl show -p Result " + shellQuote(job.unit)).out);
        if (result["Result"] != "success") {
            manifests.erase(job.name); // no snapshot to restore: the backup step fails
            return;
        }
        if (!read) {
            throw util::SystemError(
                prefix + "succeeded, but the harness's ExecStartPre= listing of what restic read left " + why + ": " +
                ctx.redactor.apply(ctx.client().sh("journalctl --no-pager -n 20 -u " + shellQuote(job.unit)).out));
        }
        record(ctx, job, manifests, std::move(*read));
    }

    static void record(DrillContext& ctx, const DrillJob& job, std::map<std::string, verify::Manifest>& manifests,
                       verify::ParsedManifest read) {
        for (const auto& root : read.missingRoots) {
            ctx.note("job " + job.name + ": path missing when restic began: " + root);
        }
        for (const auto& path : read.vanished) {
            // Not in the manifest: a restore holding it is "not expected" (it changed under restic).
            ctx.note("job " + job.name + ": file vanished while it was listed (left out): " + path);
        }
        ctx.note("job " + job.name + ": restic read " + std::to_string(read.entries.size()) +
                 " entries (listed when it began, after the job's prepare)");
        manifests[job.name] = std::move(read.entries);
    }
};

} // namespace

FamilyPtr captureFamily() {
    return std::make_unique<Capture>();
}

} // namespace nixdrill::engine::steps
