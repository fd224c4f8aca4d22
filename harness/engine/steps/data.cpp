///@file mutate and damage: the live data changed between backups, deterministically, or hit
/// by an incident.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/steps/steps.hpp"

#include <algorithm>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

class Data final : public drill::StepFamily {
public:
    std::string_view name() const override { return "data"; }
    std::vector<std::string> actions() const override { return {"mutate", "damage"}; }
    bool runs(const model::DrillStep& step) const override {
        return step.action == "mutate" || step.action == "damage";
    }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        if (step.action == "mutate") {
            ctx.client().must("bash -c " + shellQuote(verify::mutationScript(ctx.seed, ctx.drill.seed)));
            ctx.note("mutated the live data deterministically (seed " + std::to_string(ctx.drill.seed) + ")");
        } else {
            damage(ctx);
        }
    }

private:
    /// An incident: a file deleted and another one overwritten in every job's data.
    static void damage(DrillContext& ctx) {
        for (const auto& job : ctx.plan.jobs) {
            std::vector<std::string> files;
            for (const auto& e : ctx.seed) {
                bool inJob = std::any_of(job.paths.begin(), job.paths.end(), [&](const std::string& p) {
                    return e.path.rfind(p == "/" ? "/" : p + "/", 0) == 0;
                });
                if (inJob && e.kind == verify::SeedKind::File &&
                    !verify::isExcluded(e.path, drill::dataExcludes(ctx.drill, job))) {
                    files.push_back(e.path);
                }
            }
            if (files.size() >= 2) {
                ctx.client().must("rm -f -- " + shellQuote(files[0]) + "; printf 'damaged by the drill' > " +
                                  shellQuote(files[1]));
                ctx.note("job " + job.name + ": deleted " + files[0] + ", overwrote " + files[1]);
            }
        }
    }
};

} // namespace

FamilyPtr dataFamily() {
    return std::make_unique<Data>();
}

} // namespace nixdrill::engine::steps
