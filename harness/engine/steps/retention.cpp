///@file advance-clock (days pass between backups) and the retention model check of faulted
/// backups (verify/retention computes what the policy keeps, independently of restic).
#include "engine/steps/retention.hpp"

#include "engine/drill/jobs.hpp"
#include "engine/steps/steps.hpp"
#include "verify/retention.hpp"

#include <set>

namespace nixdrill::engine::steps {

using drill::DrillContext;

namespace {

class Retention final : public drill::StepFamily {
public:
    std::string_view name() const override { return "retention"; }
    std::vector<std::string> actions() const override { return {"advance-clock"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "advance-clock" ? std::vector<std::string>{"days"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action == "advance-clock") {
            step.days = in.reader.number(in.json, in.pointer, "days", 1, 1, 3650);
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "advance-clock"; }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        auto r =
            ctx.client().must("date -u -s @$(( $(date +%s) + " + std::to_string(step.days) + " * 86400 )) +%FT%TZ");
        ctx.note("guest clock moved forward " + std::to_string(step.days) + " day(s): now " + r.out);
    }
};

} // namespace

void checkRetention(DrillContext& ctx, const DrillJob& job, const std::vector<verify::Snapshot>& listedBefore,
                    const Compare& compare) {
    verify::RetentionPolicy policy;
    try {
        policy = verify::parseRetention(job.forgetArgs);
    } catch (const util::InputError& e) {
        throw util::InputError("job " + job.name + ": " + e.message());
    }
    auto after = drill::allSnapshots(ctx, job);
    std::map<std::string, verify::Snapshot> all;
    for (const auto& snap : listedBefore) {
        all[snap.id] = snap;
    }
    for (const auto& snap : after) {
        all[snap.id] = snap;
    }
    std::vector<verify::Snapshot> candidates;
    for (const auto& [id, snap] : all) {
        candidates.push_back(snap);
    }
    auto expected = verify::retainedSnapshots(candidates, policy);
    std::set<std::string> actual;
    for (const auto& snap : after) {
        actual.insert(snap.id);
    }
    auto describe = [&](const std::set<std::string>& ids) {
        std::string out;
        for (const auto& snap : candidates) {
            if (ids.contains(snap.id)) {
                out += (out.empty() ? "" : ", ") + snap.id.substr(0, 8) + " (" + snap.time.substr(0, 19) + ")";
            }
        }
        return "{" + out + "}";
    };
    std::string policyText;
    for (const auto& a : job.forgetArgs) {
        policyText += (policyText.empty() ? "" : " ") + a;
    }
    ctx.note("job " + job.name + ": " + std::to_string(candidates.size()) + " snapshot(s) existed; policy " +
             policyText + "; model keeps " + describe(expected) + "; repository has " + describe(actual));
    compare("job " + job.name + ": retention holds (" + policyText + ")", "yes",
            expected == actual
                ? std::string("yes")
                : "no: the model keeps " + describe(expected) + ", the repository has " + describe(actual));
}

FamilyPtr retentionFamily() {
    return std::make_unique<Retention>();
}

} // namespace nixdrill::engine::steps
