///@file The `run` use case: evaluate scenarios, then drill those that have a drill section.
#pragma once

#include "engine/drill_runner.hpp"
#include "engine/eval_runner.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

namespace nixdrill::engine {

/// Where drill guests come from: libvirt in production. The engine sees only this.
class GuestProvider {
public:
    virtual ~GuestProvider() = default;
    /// A guest for the scenario's drill, not started yet.
    /// @throws util::Error when no guest can be made (image build, libvirt connection...).
    virtual std::unique_ptr<guest::Guest> create(const model::Scenario& scenario) = 0;
    /// The tail of the guest's serial console, for Broken evidence ("" when unknown).
    virtual std::string consoleTail(guest::Guest& guest) = 0;
    /// A host directory that lives as long as the started guest and that the next run's sweep
    /// removes if this process is killed (its run directory); "" when there is none.
    virtual std::filesystem::path hostScratch(guest::Guest&) { return {}; }
    /// Facts for the report's properties (accelerator, guest image, libvirt URI...).
    virtual std::map<std::string, std::string> properties() = 0;
    /// Facts about one drill's guest after its drill (how it started, boot times in seconds:
    /// "start", "boot", "boot.create", ...); the engine files them under profile.<scenario>.
    virtual std::map<std::string, std::string> guestFacts(guest::Guest&) { return {}; }
};

/// What the machine offers parallel drills.
struct MachineBudget {
    unsigned jobs = 1;              ///< its cores
    std::uint64_t memoryMiB = 1024; ///< 80% of MemAvailable
};

/// The machine's cores (std::thread::hardware_concurrency) and available memory (/proc/meminfo).
/// Never throws (falls back to 1 job, 1 GiB).
MachineBudget machineBudget();

/// What one drill's guest costs the memory budget besides its RAM: QEMU itself, TCG's
/// translation cache (measured ~150-250 MiB RSS beyond guest RAM under TCG).
inline constexpr std::uint64_t guestOverheadMiB = 256;

struct RunOptions {
    EvalRunOptions eval;
    std::function<void(const model::CaseResult&)> onCase;
    std::function<void(const std::string&)> onProgress; ///< "drill x: booting..." lines
    /// Drills at once (at least 1). Callbacks are still called one at a time, and the result
    /// lists suites in scenario order whatever order drills finish in.
    unsigned jobs = 1;
    /// MiB the guests of running drills may use together (each: memoryMiB + guestOverheadMiB);
    /// 0 = no limit. A drill that alone exceeds the budget runs when nothing else does.
    std::uint64_t memoryBudgetMiB = 0;
    /// The whole run must end by then (`run --deadline`): a drill not started by then is Broken,
    /// a running one is cut short (DrillOptions::deadline). nullopt: no run deadline.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::string deadlineWhat = "the run deadline"; ///< how messages name it
};

/// Evaluates every scenario (one eval case each, as `eval` does) and runs the drills of those
/// that have one and evaluated cleanly, up to options.jobs at once within the memory budget.
/// A drill whose guest cannot be made is one Broken case. Each drill's time profile (guest
/// start, step kinds) goes into the properties as profile.<scenario>.<phase> (seconds).
model::RunResult runScenarios(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                              GuestProvider& provider, const RunOptions& options);

} // namespace nixdrill::engine
