///@file audit-state: the files the client wrote since it was provisioned that no contract declares
/// (neither the collector's persistence nor a job's paths) and no volatile or allowed place
/// covers: state an Impermanence reboot loses and no backup brings back.
#include "engine/drill/context.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"
#include "verify/manifest.hpp"
#include "verify/state_audit.hpp"

#include <algorithm>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

/// Taken when the guest is up and the drill's files are installed, before any service starts.
constexpr const char* baselineFile = "/run/nixdrill-audit-baseline";

/// Writes that are not a service's state to keep: volatile by design, or the drill's and the
/// backup system's own (docs/drill-format.md, "Unprotected state").
const std::vector<std::string>& builtInAllowed() {
    // clang-format off
    static const std::vector<std::string> places = {
        "/tmp", "/var/tmp", "/run", "/dev",   // volatile
        "/var/log",                           // logs, the journal, the drill's probe logs
        "/var/cache", "/root/.cache",         // caches (restic's among them)
        "/var/lib/systemd",                   // systemd's bookkeeping (timer stamps, seed)
        "/etc/systemd/system",                // the drill's units, their enablement links
        // systemctl enable of a packaged unit with a SysV script: update-rc.d's links
        "/etc/rc0.d", "/etc/rc1.d", "/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", "/etc/rc6.d",
        "/etc/rcS.d",
        "/var/lib/nixdrill-disks",            // the drill's repository disks
    };
    // clang-format on
    return places;
}

class Audit final : public drill::StepFamily {
public:
    std::string_view name() const override { return "audit"; }
    std::vector<std::string> actions() const override { return {"audit-state"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "audit-state" ? std::vector<std::string>{"allow", "severity"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action != "audit-state") {
            return;
        }
        if (in.history.backups > 0) {
            in.reader.fail(in.pointer, "audit-state must come before the first backup step: the backup system's own "
                                       "writes (dumps, metrics) would be counted as the service's");
        }
        if (in.json.contains("allow")) {
            const auto& allow = in.json["allow"];
            auto p = in.pointer + "/allow";
            if (!allow.is_array()) {
                in.reader.fail(p, "expected a list of absolute paths");
            }
            for (std::size_t i = 0; i < allow.size(); ++i) {
                if (!allow[i].is_string()) {
                    in.reader.fail(p + "/" + std::to_string(i), "expected an absolute path");
                }
                if (auto problem = verify::allowEntryProblem(allow[i].get<std::string>()); !problem.empty()) {
                    in.reader.fail(p + "/" + std::to_string(i), problem);
                }
            }
        }
        auto severity = in.reader.string(in.json, in.pointer, "severity", "fail");
        if (severity != "fail" && severity != "warn") {
            in.reader.fail(in.pointer + "/severity", "must be \"fail\" or \"warn\", not \"" + severity + "\"");
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "audit-state"; }

    void provision(DrillContext& ctx) override {
        const auto& steps = ctx.drill.steps;
        if (std::none_of(steps.begin(), steps.end(), [](const auto& s) { return s.action == "audit-state"; })) {
            return;
        }
        ctx.client().must(std::string("touch ") + baselineFile);
        ctx.note("audit baseline taken before the services start (" + std::string(baselineFile) + ")");
    }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        auto& m = ctx.client();
        if (!m.sh(std::string("test -f ") + baselineFile).succeeded()) {
            throw util::SystemError(std::string("the audit's baseline ") + baselineFile +
                                    " is gone (did the guest restart since provisioning?)");
        }
        auto written = writtenSinceBaseline(ctx);
        auto declared = ctx.plan.persistence;
        auto allowed = builtInAllowed();
        for (const auto& job : ctx.plan.jobs) {
            declared.insert(declared.end(), job.paths.begin(), job.paths.end());
            if (!job.repository.empty() && job.repository.front() == '/') {
                allowed.push_back(job.repository);
            }
            if (!job.metricsFile.empty()) {
                allowed.push_back(drill::dirOf(job.metricsFile));
            }
        }
        for (const auto& a : step.params.value("allow", nlohmann::json::array())) {
            allowed.push_back(a.get<std::string>());
        }
        auto groups = verify::unprotectedState(written, declared, allowed);
        std::size_t files = 0;
        for (const auto& g : groups) {
            files += g.files.size();
        }
        ctx.caseProperties()["audit.unprotected"] = std::to_string(files);
        ctx.note("audit: " + std::to_string(written.size()) +
                 " files written since the baseline; declared:" + joined(declared) + "; allowed:" + joined(allowed) +
                 "; " + std::to_string(files) + " unprotected in " + std::to_string(groups.size()) + " directories");
        if (groups.empty()) {
            return;
        }
        auto text = verify::describeUnprotected(groups);
        std::string what = std::to_string(files) + " file(s) in " + std::to_string(groups.size()) +
                           " directories written since the services started that no contract declares (not "
                           "persisted, not backed up: an Impermanence reboot loses them):\n" +
                           text;
        if (step.params.value("severity", "fail") == "warn") {
            ctx.note("warning: " + what);
            return;
        }
        throw drill::StepFailed(what);
    }

private:
    /// Regular files and symlinks created or changed after the baseline on the client's local
    /// writable file systems (each walked without crossing into another).
    static std::vector<std::string> writtenSinceBaseline(DrillContext& ctx) {
        std::string b = shellQuote(baselineFile);
        auto r =
            ctx.client().sh("findmnt -rn -t ext2,ext3,ext4,xfs,btrfs,zfs,f2fs -O rw -o TARGET | while read -r t; do "
                            "find \"$t\" -xdev \\( -type f -o -type l \\) \\( -newer " +
                            b + " -o -cnewer " + b + " \\) -print0; done");
        if (!r.succeeded()) {
            throw util::SystemError("audit: cannot list the files written since the baseline: " +
                                    ctx.redactor.apply(r.describe()));
        }
        std::vector<std::string> out;
        for (auto path : verify::splitNul(r.out, "the audit's listing")) {
            out.emplace_back(path);
        }
        return out;
    }

    /// " a b c", each path once (a job's paths are also in the persistence).
    static std::string joined(const std::vector<std::string>& paths) {
        std::string out;
        std::vector<std::string> seen;
        for (const auto& p : paths) {
            if (std::find(seen.begin(), seen.end(), p) == seen.end()) {
                seen.push_back(p);
                out += " " + p;
            }
        }
        return out;
    }
};

} // namespace

FamilyPtr auditFamily() {
    return std::make_unique<Audit>();
}

} // namespace nixdrill::engine::steps
