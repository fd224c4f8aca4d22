///@file The `run` use case: batched evaluation, then the drills, several at once within a budget.
#include "engine/drill_suite.hpp"

#include "engine/admission.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace nixdrill::engine {

namespace {

/// CPU time (user + system) of the calling thread: one thread drives one drill, so this is the
/// harness's own work for it (parsing, diffing, hashing replies, agent protocol).
double threadCpuSeconds() {
    rusage u{};
    if (::getrusage(RUSAGE_THREAD, &u) != 0) {
        return 0;
    }
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

/// One drill to run, and what it produced.
struct DrillTask {
    std::size_t index = 0; ///< the scenario's position: results keep this order
    const model::Scenario* scenario = nullptr;
    std::uint64_t memoryMiB = 0;
    model::SuiteResult suite;
    std::map<std::string, std::string> profile;
};

/// Adds the time of each step kind ("drill:backup" -> backup) to the profile.
void profileCases(const std::vector<model::CaseResult>& cases, std::map<std::string, std::string>& profile,
                  double bootSeconds) {
    std::map<std::string, double> phases;
    double total = 0;
    for (const auto& c : cases) {
        auto phase = c.kind.rfind("drill:", 0) == 0 ? c.kind.substr(6) : c.kind;
        double d = c.durationSeconds;
        if (phase == "provision" && bootSeconds > 0 && bootSeconds <= d) {
            d -= bootSeconds; // boot has its own line
        }
        phases[phase] += d;
        total += c.durationSeconds;
    }
    for (const auto& [phase, d] : phases) {
        profile["step." + phase] = seconds(d);
    }
    profile["steps"] = seconds(total);
}

} // namespace

MachineBudget machineBudget() {
    MachineBudget budget;
    budget.jobs = std::max(1u, std::thread::hardware_concurrency());
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit) {
        if (key == "MemAvailable:") {
            budget.memoryMiB = std::max<std::uint64_t>(512, kib / 1024 * 8 / 10);
            break;
        }
    }
    return budget;
}

namespace {

/// The agent channel's cost for one drill: with the harness's CPU time, what the harness adds
/// to the drill (README, "Performance"; bench/harness-overhead.sh).
void addAgentFacts(const guest::AgentStats& stats, std::map<std::string, std::string>& facts) {
    facts["count.agent.calls"] = std::to_string(stats.calls);
    facts["agent.inCalls"] = seconds(stats.inCalls.count());
    facts["count.agent.execs"] = std::to_string(stats.execs);
    facts["agent.inExecs"] = seconds(stats.inExecs.count());
    facts["count.agent.polls"] = std::to_string(stats.polls);
    facts["agent.inPolls"] = seconds(stats.inPolls.count());
    for (const auto& [name, rpc] : stats.byCommand) {
        facts["count.agent.rpc." + name] = std::to_string(rpc.calls);
        facts["agent.rpc." + name] = seconds(rpc.time.count());
        // Milliseconds matter here: it is the channel's floor, a few ms per round trip.
        char fastest[32];
        std::snprintf(fastest, sizeof fastest, "%.6f", rpc.fastest.count());
        facts["agent.rpc." + name + ".fastest"] = fastest;
    }
}

/// The drills of one `run`, several at once: callbacks and the provider are used from several
/// drill threads, one at a time.
class SuiteRun {
public:
    SuiteRun(const scenario::LoadResult& loaded, const std::vector<nixeval::EvalOutcome>& outcomes,
             GuestProvider& provider, const RunOptions& options)
        : loaded_(loaded), outcomes_(outcomes), provider_(provider), options_(options) {}

    /// One task per scenario with a drill, in scenario order.
    std::vector<DrillTask> tasks(const std::string& startedAt) const {
        std::vector<DrillTask> tasks;
        for (std::size_t i = 0; i < loaded_.scenarios.size(); ++i) {
            const auto& s = loaded_.scenarios[i];
            if (!s.drill) {
                continue;
            }
            DrillTask task;
            task.index = i;
            task.scenario = &s;
            task.memoryMiB = s.drill->memoryMiB + guestOverheadMiB;
            task.suite.name = "drill." + s.name;
            task.suite.file = s.file;
            task.suite.timestamp = startedAt;
            tasks.push_back(std::move(task));
        }
        return tasks;
    }

    /// Runs one drill into its task; never throws (what cannot run is a Broken case).
    void run(DrillTask& task) {
        if (!evaluated(task)) {
            add(task, brokenCase(task, "not drilled: the scenario did not evaluate (see its eval case)"));
            return;
        }
        auto wallStart = std::chrono::steady_clock::now();
        double cpuStart = threadCpuSeconds();
        if (options_.deadline && wallStart >= *options_.deadline) {
            add(task, brokenCase(task, "not drilled: " + options_.deadlineWhat + " passed before this drill started"));
            return;
        }
        try {
            drill(task, wallStart);
        } catch (const util::Error& e) {
            add(task, brokenCase(task, "cannot drill: " + e.describe()));
        } catch (const std::exception& e) {
            add(task, brokenCase(task, std::string("cannot drill: internal error: ") + e.what()));
        }
        task.profile["wall"] =
            seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count());
        task.profile["harness.cpu"] = seconds(threadCpuSeconds() - cpuStart);
    }

    std::map<std::string, std::string> providerProperties() {
        std::lock_guard lock(providerMutex_);
        return provider_.properties();
    }

private:
    bool evaluated(const DrillTask& task) const {
        return task.index < outcomes_.size() && outcomes_[task.index].status == nixeval::EvalStatus::Ok;
    }

    void onCase(const model::CaseResult& c) {
        if (options_.onCase) {
            std::lock_guard lock(callbackMutex_);
            options_.onCase(c);
        }
    }

    void progress(const std::string& line) {
        if (options_.onProgress) {
            std::lock_guard lock(callbackMutex_);
            options_.onProgress(line);
        }
    }

    void add(DrillTask& task, model::CaseResult c, bool notify = true) {
        task.suite.durationSeconds += c.durationSeconds;
        if (notify) {
            onCase(c);
        }
        task.suite.cases.push_back(std::move(c));
    }

    /// The one case of a drill that could not run: Broken, or Skipped when its scenario did not
    /// evaluate (the eval case already says why).
    model::CaseResult brokenCase(const DrillTask& task, const std::string& message) const {
        const auto& s = *task.scenario;
        model::CaseResult c;
        c.name = "0-provision";
        c.scenario = s.name;
        c.classname = s.name;
        c.kind = "drill:provision";
        c.outcome = evaluated(task) ? model::Outcome::Broken : model::Outcome::Skipped;
        c.message = message;
        return c;
    }

    /// The run's deadline, or the scenario's own limit from when its drill starts when that
    /// comes first.
    void setDeadline(const model::Scenario& s, std::chrono::steady_clock::time_point wallStart,
                     DrillOptions& drillOptions) const {
        drillOptions.deadline = options_.deadline;
        drillOptions.deadlineWhat = options_.deadlineWhat;
        if (s.drill->drillTimeoutSeconds == 0) {
            return;
        }
        auto own = wallStart + std::chrono::seconds(s.drill->drillTimeoutSeconds);
        if (!options_.deadline || own < *options_.deadline) {
            drillOptions.deadline = own;
            drillOptions.deadlineWhat =
                "the drill's deadline (/drill/timeouts/drill " + std::to_string(s.drill->drillTimeoutSeconds) + " s)";
        }
    }

    /// @throws util::Error when the drill cannot run (no guest, no plan).
    void drill(DrillTask& task, std::chrono::steady_clock::time_point wallStart) {
        const auto& s = *task.scenario;
        auto plan = planFromEvaluation(outcomes_[task.index].value);
        progress("drill " + s.name + ": " + std::to_string(plan.jobs.size()) + " job(s), " +
                 std::to_string(s.drill->steps.size()) + " step(s)");
        std::unique_ptr<guest::Guest> guest;
        {
            std::lock_guard lock(providerMutex_);
            guest = provider_.create(s);
        }
        DrillOptions drillOptions;
        drillOptions.onCase = [this](const model::CaseResult& c) { onCase(c); }; // progress as each step ends
        setDeadline(s, wallStart, drillOptions);
        drillOptions.consoleTail = [&] {
            std::lock_guard lock(providerMutex_);
            return provider_.consoleTail(*guest);
        };
        drillOptions.hostScratch = [&] {
            std::lock_guard lock(providerMutex_);
            return provider_.hostScratch(*guest);
        };
        auto cases = runDrill(s, plan, *guest, drillOptions);
        std::map<std::string, std::string> facts;
        {
            std::lock_guard lock(providerMutex_);
            facts = provider_.guestFacts(*guest);
        }
        addAgentFacts(guest->agentStats(), facts);
        guest->destroy();
        double boot = 0;
        if (auto it = facts.find("boot"); it != facts.end()) {
            boot = std::strtod(it->second.c_str(), nullptr);
        }
        task.profile = facts;
        profileCases(cases, task.profile, boot);
        for (auto& c : cases) {
            add(task, std::move(c), false);
        }
    }

    const scenario::LoadResult& loaded_;
    const std::vector<nixeval::EvalOutcome>& outcomes_;
    GuestProvider& provider_;
    const RunOptions& options_;
    std::mutex callbackMutex_;
    std::mutex providerMutex_;
};

} // namespace

model::RunResult runScenarios(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                              GuestProvider& provider, const RunOptions& options) {
    auto start = std::chrono::steady_clock::now();
    std::vector<nixeval::EvalOutcome> outcomes;
    auto run = runEval(loaded, evaluator, options.eval, &outcomes);
    run.command = "run";

    SuiteRun suite(loaded, outcomes, provider, options);
    auto tasks = suite.tasks(run.startedAt);

    // Admission in scenario order: a drill starts when a job is free and its memory fits in
    // what the running ones leave (or nothing runs: an oversized drill runs alone).
    unsigned jobs = std::max(1u, options.jobs);
    std::vector<std::uint64_t> costs;
    for (const auto& task : tasks) {
        costs.push_back(task.memoryMiB);
    }
    auto drillsStart = std::chrono::steady_clock::now();
    runAdmitted(costs, jobs, options.memoryBudgetMiB, [&](std::size_t i) { suite.run(tasks[i]); });
    double drillsWall = std::chrono::duration<double>(std::chrono::steady_clock::now() - drillsStart).count();

    for (auto& task : tasks) {
        for (const auto& [k, v] : task.profile) {
            run.properties["profile." + task.scenario->name + "." + k] = v;
        }
        run.suites.push_back(std::move(task.suite));
    }
    if (!tasks.empty()) {
        for (const auto& [k, v] : suite.providerProperties()) {
            run.properties[k] = v;
        }
        run.properties["drills.jobs"] = std::to_string(jobs);
        run.properties["drills.memoryBudgetMib"] =
            options.memoryBudgetMiB == 0 ? "unlimited" : std::to_string(options.memoryBudgetMiB);
        run.properties["drills.wall"] = seconds(drillsWall);
    }
    run.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

} // namespace nixdrill::engine
