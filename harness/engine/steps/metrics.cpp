///@file check-metrics: each job's .prom file exists, passes promtool and says the backup
/// succeeded.
#include "engine/drill/context.hpp"
#include "engine/steps/steps.hpp"
#include "util/process.hpp"

#include <sstream>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using guest::shellQuote;

namespace {

class Metrics final : public drill::StepFamily {
public:
    std::string_view name() const override { return "metrics"; }
    std::vector<std::string> actions() const override { return {"check-metrics"}; }
    bool retryable(const std::string&) const override { return true; } // it only reads the files
    bool runs(const model::DrillStep& step) const override { return step.action == "check-metrics"; }

    void run(DrillContext& ctx, const model::DrillStep&) override {
        std::vector<std::string> failures;
        unsigned checked = 0;
        for (const auto& job : ctx.plan.jobs) {
            if (job.metricsFile.empty()) {
                continue;
            }
            ++checked;
            auto r = ctx.client().sh("cat " + shellQuote(job.metricsFile));
            if (!r.succeeded()) {
                failures.push_back("job " + job.name + " wrote no metrics file " + job.metricsFile);
                continue;
            }
            ctx.note("--- " + job.metricsFile + " ---\n" + r.out);
            util::ProcessOptions po;
            po.input = r.out;
            po.deadline = std::chrono::seconds(60);
            auto check = util::runProcess({ctx.options.promtool, "check", "metrics"}, po);
            if (check.exitCode != 0) {
                failures.push_back(job.metricsFile + " fails promtool check metrics: " + check.out + check.err);
            }
            if (!saysSuccess(r.out)) {
                failures.push_back(job.metricsFile + " does not say restic_backup_status 1");
            }
        }
        if (checked == 0) {
            throw drill::StepFailed("no job writes metrics (monitoring.prometheus.enable is false)");
        }
        drill::failIfAny(failures);
    }

private:
    static bool saysSuccess(const std::string& text) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("restic_backup_status{", 0) == 0 && line.size() > 2 &&
                line.compare(line.size() - 2, 2, " 1") == 0) {
                return true;
            }
        }
        return false;
    }
};

} // namespace

FamilyPtr metricsFamily() {
    return std::make_unique<Metrics>();
}

} // namespace nixdrill::engine::steps
