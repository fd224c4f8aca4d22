///@file What every step family of a drill shares: the scenario's drill and rendered jobs, the
/// machines, the run's secrets and seed, the evidence log, the step clock and the backups so far.
#pragma once

#include "engine/drill/family.hpp"
#include "engine/drill/machine.hpp"
#include "engine/drill/plan.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"
#include "verify/manifest.hpp"
#include "verify/seed_data.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nixdrill::engine::drill {

/// An expectation of the drill was not met: the step is Failed (not Broken).
class StepFailed : public util::Error {
public:
    StepFailed(std::string message, std::vector<model::Mismatch> mismatches = {})
        : util::Error(std::move(message)), mismatches_(std::move(mismatches)) {}
    const std::vector<model::Mismatch>& mismatches() const noexcept { return mismatches_; }

private:
    std::vector<model::Mismatch> mismatches_;
};

/// Throws StepFailed with joinLines(failures, heading) when there are any.
void failIfAny(const std::vector<std::string>& failures, const std::string& heading = "");

/// What the backup steps produced, by backup number (1-based) and job name.
struct Ledger {
    unsigned backups = 0; ///< backup steps run so far
    /// What each job's snapshot must contain.
    std::map<unsigned, std::map<std::string, verify::Manifest>> manifests;
    /// The restic snapshot each job made ("" when none).
    std::map<unsigned, std::map<std::string, std::string>> snapshots;
    /// The paths restic read when they are not the job's own (a ZFS snapshot's).
    std::map<unsigned, std::map<std::string, std::vector<std::string>>> pathsRead;
    /// When each job's last in-place restore began (the start of its recovery time), by job
    /// name; check-service measures from it once.
    std::map<std::string, std::chrono::steady_clock::time_point> restoreStarted;

    /// The backup a step names: "latest" is the last one run.
    unsigned numberOf(const model::DrillStep& step) const;
};

class DrillContext {
public:
    DrillContext(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& client,
                 const DrillOptions& options);
    DrillContext(const DrillContext&) = delete;
    DrillContext& operator=(const DrillContext&) = delete;

    const model::Scenario& scenario;
    const model::Drill& drill;
    const DrillPlan& plan;
    const DrillOptions& options;

    StepClock clock;
    util::Redactor redactor;
    /// The secret files by guest path, as a secrets manager writes them at boot.
    std::map<std::string, std::string> secrets;
    /// The services the drill simulates (units of the jobs' systemdUnits), started at provisioning.
    std::vector<std::string> probes;
    /// The seeded entries (what the live data was before the first backup).
    std::vector<verify::SeedEntry> seed;
    Ledger ledger;

    /// The machine whose jobs are drilled.
    Machine& client() { return machines_.front(); }
    std::vector<Machine>& machines() { return machines_; }

    /// A line of evidence for the running case.
    void note(const std::string& line) { evidence_ += line + "\n"; }
    std::string& evidence() { return evidence_; }
    const std::string& evidence() const { return evidence_; }
    /// What the running case measured (model::CaseResult::properties), cleared per attempt.
    std::map<std::string, std::string>& caseProperties() { return caseProperties_; }

    /// A fresh random secret, registered with the redactor.
    std::string newSecret();
    /// Writes the secret files into the client (again after a power cut: they live under /run).
    void writeSecrets();

    /// The families of this drill, in registry order (their hooks are called in this order).
    void setFamilies(const std::vector<std::unique_ptr<StepFamily>>& families) { families_ = &families; }
    void forEachFamily(const std::function<void(StepFamily&)>& call);

private:
    std::vector<Machine> machines_;
    std::string evidence_;
    std::map<std::string, std::string> caseProperties_;
    const std::vector<std::unique_ptr<StepFamily>>* families_ = nullptr;
};

/// A random secret: 40 hex digits (after NIXDRILL_TEST_PLANTED_SECRET's prefix, a test seam).
std::string randomSecret();

} // namespace nixdrill::engine::drill
