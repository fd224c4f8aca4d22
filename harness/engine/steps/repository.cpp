///@file verify-repository: restic check of every repository, and check --read-data-subset.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/steps/steps.hpp"

#include <set>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

class Repository final : public drill::StepFamily {
public:
    std::string_view name() const override { return "repository"; }
    std::vector<std::string> actions() const override { return {"verify-repository"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "verify-repository" ? std::vector<std::string>{"readDataSubset"} : std::vector<std::string>{};
    }
    bool retryable(const std::string&) const override { return true; } // it only reads the repository
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action == "verify-repository") {
            step.readDataSubset = in.reader.string(in.json, in.pointer, "readDataSubset", "");
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "verify-repository"; }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        std::set<std::string> done;
        std::vector<std::string> failures;
        for (const auto& job : ctx.plan.jobs) {
            if (!done.insert(job.repository).second) {
                continue;
            }
            std::vector<std::string> variants = {""};
            if (!step.readDataSubset.empty()) {
                variants.push_back(step.readDataSubset); // reads (part of) the pack data too, not only the index
            }
            for (const auto& extra : variants) {
                std::string what = "restic check" + (extra.empty() ? "" : " --read-data-subset=" + extra);
                std::string cmd = drill::resticEnv(job) + "restic check" +
                                  (extra.empty() ? "" : " --read-data-subset=" + shellQuote(extra));
                auto r = ctx.client().sh(cmd);
                ctx.note(what + " on " + job.repository + ": exit " + std::to_string(r.exitCode));
                if (!r.succeeded()) {
                    failures.push_back(what + " failed on " + job.repository + ": " + ctx.redactor.apply(r.describe()));
                }
            }
        }
        drill::failIfAny(failures);
    }
};

} // namespace

FamilyPtr repositoryFamily() {
    return std::make_unique<Repository>();
}

} // namespace nixdrill::engine::steps
