///@file The interface of a step family: the step kinds it runs, and the points of another
/// family's step where it takes part (provisioning, around a backup run, after a restore).
#pragma once

#include "model/scenario.hpp"
#include "scenario/step_syntax.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::engine {
struct DrillJob;
}

namespace nixdrill::engine::drill {

class DrillContext;

/// One run of the drill's jobs (a backup step), as the families around it see it.
struct BackupWindow {
    unsigned number = 0;                 ///< 1-based backup number
    const model::DrillStep& step;        ///< the backup step (its writers)
    const model::Fault* fault = nullptr; ///< the fault acting on this run, if any
    std::vector<std::string>& failures;  ///< what the run did wrong so far (the step fails with them)
};

/// A job's snapshot restored into `target` ("/" for in place), before it is compared.
struct RestoredTree {
    const DrillJob& job;
    unsigned number = 0; ///< the backup it came from
    std::string target;
};

/// A family of drill steps (docs/architecture.md): at parse time (scenario::StepSyntax) the
/// step kinds it runs, the keys it reads and its rules; at run time the steps themselves. The
/// runner asks each family, in the registry's order, whether it runs a step; the hooks let a
/// family take part in other families' steps without their knowing it (a ZFS pool at
/// provisioning, a writer during a backup, a snapshot path mapped back after a restore). One
/// object per drill: it may keep what its steps learnt for later steps.
class StepFamily : public scenario::StepSyntax {
public:
    /// Whether it runs `step`. Exactly one family runs each step.
    virtual bool runs(const model::DrillStep& step) const = 0;
    /// The case's kind in reports (grouping in JUnit and Prometheus): "drill:<action>".
    virtual std::string caseKind(const model::DrillStep& step) const;
    /// Runs one step of its kinds. Throws StepFailed when the backup system is wrong (Failed),
    /// any other util::Error when the step cannot run (Broken).
    virtual void run(DrillContext& ctx, const model::DrillStep& step) = 0;

    /// Provisioning (the drill's first case), in registry order, then afterProvision in order.
    virtual void provision(DrillContext&) {}
    virtual void afterProvision(DrillContext&) {}

    /// Around a backup run: before the jobs start, right after they ended, and while the run is
    /// judged (after the jobs' own results were read).
    virtual void beforeJobs(DrillContext&, BackupWindow&) {}
    virtual void jobsEnded(DrillContext&, BackupWindow&) {}
    virtual void judgeRun(DrillContext&, BackupWindow&) {}

    /// After a restore, before the restored tree is compared with the backup's manifest: may
    /// move the tree into place (throw StepFailed when it cannot) or add problems to report.
    virtual void restored(DrillContext&, const RestoredTree&, std::vector<std::string>& problems) { (void)problems; }
};

} // namespace nixdrill::engine::drill
