///@file The nixdrill command: parses arguments and calls the use-case drivers.
#include "cli/libvirt_provider.hpp"
#include "cli/options.hpp"
#include "engine/drill_suite.hpp"
#include "engine/eval_runner.hpp"
#include "engine/fault_matrix.hpp"
#include "engine/module_check.hpp"
#include "engine/mutants.hpp"
#include "engine/repository_drill.hpp"
#include "engine/selection.hpp"
#include "engine/shard.hpp"
#include "engine/steps/registry.hpp"
#include "nixdrill_config.hpp"
#include "nixeval/evaluator.hpp"
#include "report/json_report.hpp"
#include "report/junit.hpp"
#include "report/merge.hpp"
#include "report/prometheus.hpp"
#include "report/terminal.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/text.hpp"
#include "vm/connection.hpp"
#include "vm/signal_cleanup.hpp"

#include <cstdlib>
#include <iostream>
#include <set>
#include <unistd.h>

using namespace nixdrill;

namespace {

constexpr int exitFailed = 1;
constexpr int exitUsage = 2;

std::string newRunId() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return std::string(buf) + "-" + std::to_string(::getpid());
}

/// Renders every report first and only then writes them, each atomically: a failure leaves
/// the previous good reports in place.
/// @throws util::SystemError when a report cannot be written.
void writeReports(const model::RunResult& run, const cli::ReportTargets& targets) {
    std::vector<std::pair<std::filesystem::path, std::string>> outputs;
    if (targets.json) {
        outputs.emplace_back(*targets.json,
                             report::toJson(run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    if (targets.junit) {
        outputs.emplace_back(*targets.junit, report::renderJunit(run));
    }
    if (targets.prometheus) {
        outputs.emplace_back(*targets.prometheus, report::renderPrometheus(run));
    }
    for (const auto& [path, content] : outputs) {
        util::writeFileAtomic(path, content);
    }
}

int finish(const model::RunResult& run, const cli::Options& o) {
    std::cout << report::renderFaultSummary(run) << report::renderSummary(run) << std::endl;
    try {
        writeReports(run, o.reports);
    } catch (const util::Error& e) {
        std::cerr << "nixdrill: reports not written: " << e.describe() << std::endl;
        return exitUsage;
    }
    return run.ok() ? 0 : exitFailed;
}

void printCase(const cli::Options& o, const model::CaseResult& c) {
    if (!o.quiet || c.outcome != model::Outcome::Passed) {
        std::cout << report::renderCaseLine(c) << std::flush;
    }
}

/// @throws util::InputError when nixdrill's Nix files cannot be found.
nixeval::NixEvaluator makeEvaluator(const cli::Options& o) {
    nixeval::EvaluatorOptions eo;
    eo.nixDir = nixeval::findNixDir(o.nixDir);
    eo.deadline = o.evalTimeout;
    return nixeval::NixEvaluator(eo);
}

void addProperties(model::RunResult& run, const nixeval::NixEvaluator& evaluator, const cli::Options& o) {
    run.runId = run.runId.empty() ? newRunId() : run.runId;
    run.properties["nixdrill.version"] = NIXDRILL_VERSION;
    try {
        run.properties["nix.version"] = evaluator.nixVersion();
    } catch (const util::Error&) {
        run.properties["nix.version"] = "unknown";
    }
    run.properties["nix.dir"] = nixeval::findNixDir(o.nixDir).string();
}

/// The nixpkgs lib of `eval --nixpkgs PATH`, else of NIX_PATH's <nixpkgs> when that is a local
/// checkout with a lib; nullopt without either (then eval is nix/lib's alone).
/// @throws util::InputError when --nixpkgs names no nixpkgs or nixpkgs.lib.
std::optional<std::filesystem::path> nixpkgsLibFor(const cli::Options& o) {
    if (o.nixpkgs) {
        auto lib = nixeval::findNixpkgsLib(*o.nixpkgs);
        if (!lib) {
            throw util::InputError("--nixpkgs " + o.nixpkgs->string() +
                                   ": neither a nixpkgs nor a nixpkgs.lib checkout (no lib/default.nix)");
        }
        return lib;
    }
    const char* nixPath = std::getenv("NIX_PATH");
    auto candidates = cli::nixpkgsCandidates(nixPath != nullptr ? nixPath : "");
    for (const auto& c : candidates) {
        if (auto lib = nixeval::findNixpkgsLib(c)) {
            return lib;
        }
    }
    if (!candidates.empty()) {
        std::cerr << "nixdrill: NIX_PATH names no local nixpkgs with a lib/ (" << candidates.front().string()
                  << "): the NixOS modules are not evaluated" << std::endl;
    }
    return std::nullopt;
}

/// A stored run result (the --json of a run).
/// @throws util::InputError naming the file and what is wrong with it.
model::RunResult readStoredRun(const std::filesystem::path& file) {
    nlohmann::json j;
    std::string text = util::readFile(file);
    // Reading a run result copies and dumps values recursively: refuse absurd nesting up front.
    if (auto at = util::findJsonNestingBeyond(text, 512); at != std::string::npos) {
        auto pos = util::positionOf(text, at);
        throw util::InputError(file.string() + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                               ": JSON nested deeper than 512 levels");
    }
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // parse_error, or out_of_range for a number too large for a double ("1e400").
        throw util::InputError(file.string() + ": not JSON: " + e.what());
    }
    try {
        return report::runResultFromJson(j);
    } catch (util::Error& e) {
        e.addContext("while reading the run result " + file.string());
        throw;
    }
}

/// --shard K/N: keeps this runner's part of the scenarios, and says what it kept. Files that
/// did not load are reported by shard 1 alone, so that merged shards report them once.
void applyShard(const cli::Options& o, scenario::LoadResult& loaded) {
    if (!o.shard) {
        return;
    }
    auto shard = engine::parseShard(*o.shard);
    std::map<std::string, double> durations;
    if (o.shardDurations) {
        durations = engine::recordedDurations(readStoredRun(*o.shardDurations));
    }
    auto total = loaded.scenarios.size();
    auto load = engine::keepShard(loaded.scenarios, shard, durations);
    if (shard.index != 1) {
        loaded.errors.clear();
    }
    if (!o.quiet) {
        std::string loads;
        for (auto seconds : load) {
            loads += (loads.empty() ? "" : ", ") + std::to_string(static_cast<long long>(seconds + 0.5)) + " s";
        }
        std::cout << "....  shard " << *o.shard << ": " << loaded.scenarios.size() << " of " << total
                  << " scenario(s); expected per shard: " << loads << std::endl;
    }
}

int runEvalCommand(const cli::Options& o) {
    auto evaluator = makeEvaluator(o);
    auto nixpkgsLib = nixpkgsLibFor(o);
    auto loaded = scenario::loadScenarios(o.paths, engine::steps::catalogue());
    if (o.only) {
        engine::keepSelected(loaded.scenarios, engine::parsePatternList(*o.only), {}, false, "--only " + *o.only);
    }
    applyShard(o, loaded);
    engine::EvalRunOptions ro;
    ro.accept = o.accept;
    ro.onCase = [&](const model::CaseResult& c) { printCase(o, c); };
    std::vector<nixeval::EvalOutcome> outcomes;
    auto run = engine::runEval(loaded, evaluator, ro, &outcomes);
    if (nixpkgsLib) {
        // The same scenarios through lib.evalModules over nix/modules, compared with nix/lib.
        engine::ModuleCheckOptions mo;
        mo.nixpkgsLib = *nixpkgsLib;
        mo.onCase = ro.onCase;
        engine::addModuleComparison(run, loaded, outcomes, evaluator, mo);
    }
    addProperties(run, evaluator, o);
    return finish(run, o);
}

/// --faults: every drill scenario is replaced by its fault variants (scenarios without a drill
/// stay as they are: their evaluation is still checked).
/// @throws util::InputError for a scenario that yields no variant at all.
void expandFaultMatrix(scenario::LoadResult& loaded, const std::vector<std::string>& kinds, bool quiet) {
    std::vector<model::Scenario> out;
    for (auto& s : loaded.scenarios) {
        if (!s.drill) {
            out.push_back(std::move(s));
            continue;
        }
        auto m = engine::faultMatrix(s, kinds);
        if (!quiet) {
            std::cout << "....  fault matrix " << s.name << ": " << m.variants.size() << " variant(s)" << std::endl;
            for (const auto& why : m.notApplicable) {
                std::cout << "....    not applicable: " << why << std::endl;
            }
        }
        if (m.variants.empty()) {
            throw util::InputError(s.file + ": no fault of --faults applies to this scenario");
        }
        out.insert(out.end(), std::make_move_iterator(m.variants.begin()), std::make_move_iterator(m.variants.end()));
    }
    loaded.scenarios = std::move(out);
}

/// --mutants: each drill scenario is followed by its mutants (the scenario itself must pass for
/// them to mean anything).
/// @throws util::InputError when there is no drill scenario, or one has nothing to mutate.
std::vector<engine::Mutant> expandMutants(scenario::LoadResult& loaded, bool quiet) {
    std::vector<model::Scenario> out;
    std::vector<engine::Mutant> mutants;
    for (auto& s : loaded.scenarios) {
        if (!s.drill) {
            out.push_back(std::move(s));
            continue;
        }
        auto m = engine::mutantsOf(s);
        if (!quiet) {
            std::cout << "....  mutants of " << s.name << ": " << m.mutants.size() << std::endl;
        }
        out.push_back(std::move(s));
        out.insert(out.end(), std::make_move_iterator(m.variants.begin()), std::make_move_iterator(m.variants.end()));
        mutants.insert(mutants.end(), m.mutants.begin(), m.mutants.end());
    }
    if (mutants.empty()) {
        throw util::InputError("--mutants: no drill scenario among the paths given");
    }
    loaded.scenarios = std::move(out);
    return mutants;
}

/// The scenarios of a run: its paths (or --rerun-failed's), expanded by --faults or --mutants
/// (which --rerun-failed implies when the stored run had them), narrowed by --only.
/// @throws util::InputError for a selection that names nothing, or a stored run it cannot read.
scenario::LoadResult loadRunScenarios(const cli::Options& o, std::vector<engine::Mutant>& mutants) {
    std::optional<engine::RerunPlan> rerun;
    if (o.rerunFailed) {
        rerun = engine::rerunPlanOf(readStoredRun(*o.rerunFailed));
        if (rerun->scenarios.empty()) {
            return {};
        }
    }
    std::vector<std::filesystem::path> paths = o.paths;
    if (paths.empty() && rerun) {
        paths.assign(rerun->paths.begin(), rerun->paths.end());
    }
    auto loaded = scenario::loadScenarios(paths, engine::steps::catalogue());
    std::string what = rerun ? "--rerun-failed " + o.rerunFailed->string() : "";
    std::optional<std::vector<std::string>> faults;
    if (o.faults) {
        faults = engine::parseFaultList(*o.faults);
    }
    bool withMutants = o.mutants;
    // A file that still does not load is reported again as it was (a Broken case named by the
    // file), not looked for among the scenarios.
    std::set<std::string> unloadable;
    for (const auto& e : loaded.errors) {
        unloadable.insert(std::filesystem::path(e.file).filename().string());
    }
    auto narrow = [&](std::set<std::string> names, bool keepBases) {
        std::erase_if(names, [&](const std::string& n) { return unloadable.count(n) > 0; });
        if (names.empty()) {
            loaded.scenarios.clear();
        } else {
            engine::keepSelected(loaded.scenarios, {}, names, keepBases, what);
        }
    };
    if (rerun) {
        std::set<std::string> bases;
        for (const auto& n : rerun->scenarios) {
            bases.insert(engine::baseScenarioName(n));
        }
        // Before the expansion: the matrix of a scenario that is not rerun would only cost time.
        narrow(bases, false);
        if (!faults && !rerun->faultKinds.empty()) {
            faults = rerun->faultKinds;
        }
        withMutants = withMutants || rerun->mutants;
        if ((faults && withMutants) || (faults && o.accept)) {
            throw util::InputError(what + ": its fault variants cannot be run with --mutants or --accept");
        }
    }
    if (faults) {
        expandFaultMatrix(loaded, *faults, o.quiet);
    }
    if (withMutants && !loaded.scenarios.empty()) {
        mutants = expandMutants(loaded, o.quiet);
    }
    if (rerun) {
        narrow(rerun->scenarios, withMutants);
    }
    if (o.only) {
        engine::keepSelected(loaded.scenarios, engine::parsePatternList(*o.only), {}, withMutants, "--only " + *o.only);
    }
    applyShard(o, loaded);
    std::set<std::string> kept;
    for (const auto& s : loaded.scenarios) {
        kept.insert(s.name);
    }
    std::erase_if(mutants, [&](const engine::Mutant& m) { return kept.count(m.variant) == 0; });
    return loaded;
}

int runRunCommand(const cli::Options& o) {
    auto runStart = std::chrono::steady_clock::now(); // --deadline counts from here
    auto evaluator = makeEvaluator(o);
    std::vector<engine::Mutant> mutants;
    auto loaded = loadRunScenarios(o, mutants);
    if (o.rerunFailed && loaded.scenarios.empty() && loaded.errors.empty()) {
        std::cout << "nixdrill: nothing failed or broke in " << o.rerunFailed->string() << ": nothing to run"
                  << std::endl;
        return 0;
    }
    // Domains and run directories are destroyed on SIGINT/SIGTERM too.
    vm::installSignalCleanup();
    std::string runId = newRunId();
    cli::LibvirtGuestProvider provider(o.uri.empty() ? vm::Connection::defaultUri() : o.uri, runId);
    guest::GuestSelection selection;
    if (o.guest) {
        selection.kind = guest::guestKindOfDrill(*o.guest);
    }
    selection.image = o.guestImage;
    provider.setGuestSelection(selection);
    provider.setWarmStart(o.warm);
    engine::RunOptions ro;
    auto machine = engine::machineBudget();
    ro.jobs = o.jobs != 0 ? o.jobs : machine.jobs;
    ro.memoryBudgetMiB = o.memoryBudgetMiB != 0 ? o.memoryBudgetMiB : machine.memoryMiB;
    ro.eval.accept = o.accept;
    ro.eval.onCase = [&](const model::CaseResult& c) { printCase(o, c); };
    ro.onCase = ro.eval.onCase;
    if (o.runDeadline.count() > 0) {
        ro.deadline = runStart + o.runDeadline;
        ro.deadlineWhat = "the run deadline (--deadline " + std::to_string(o.runDeadline.count()) + " s)";
    }
    ro.onProgress = [&](const std::string& line) {
        if (!o.quiet) {
            std::cout << "....  " << line << std::endl;
        }
    };
    auto run = engine::runScenarios(loaded, evaluator, provider, ro);
    run.runId = runId;
    if (!mutants.empty()) {
        for (const auto& s : engine::scoreMutants(run, mutants)) {
            std::cout << "mutation score " << s.scenario << ": " << s.score << " killed"
                      << (s.survivors.empty() ? "" : "; survived: " + s.survivors) << std::endl;
        }
    }
    addProperties(run, evaluator, o);
    return finish(run, o);
}

int runDrillCommand(const cli::Options& o) {
    engine::RepositoryDrillOptions d;
    d.name = o.drillName;
    d.repository = {o.repository, *o.passwordFile, o.environmentFile};
    d.sample = o.sample;
    d.seed = o.seed;
    d.full = o.full;
    d.readDataSubset = o.readDataSubset;
    d.scratch = o.scratch;
    d.metricsDir = o.metricsDir;
    d.onCase = [&](const model::CaseResult& c) { printCase(o, c); };
    auto run = engine::runRepositoryDrill(d);
    run.runId = newRunId();
    run.properties["nixdrill.version"] = NIXDRILL_VERSION;
    return finish(run, o);
}

int runReportCommand(const cli::Options& o) {
    std::vector<report::NamedRun> runs;
    std::string problems; // every unreadable file in one report
    for (const auto& f : o.from) {
        try {
            runs.push_back({f.string(), readStoredRun(f)});
        } catch (const util::Error& e) { // unreadable, not JSON, not a run result
            problems += (problems.empty() ? "" : "\n") + e.describe();
        }
    }
    if (!problems.empty()) {
        throw util::InputError(problems);
    }
    auto run = runs.size() == 1 ? std::move(runs[0].run) : report::mergeRuns(runs);
    if (!o.quiet) {
        std::cout << report::renderTerminal(run);
    }
    return finish(run, o);
}

} // namespace

int main(int argc, char** argv) {
    // Before anything writes to a socket or pipe: a libvirtd restarted mid-drill must end the
    // step Broken with reports written, not kill the run by SIGPIPE.
    util::keepBrokenPipesFromKilling();
    std::vector<std::string> args(argv + 1, argv + argc);
    const char* acceptEnv = std::getenv("NIXDRILL_ACCEPT");
    cli::Options o;
    try {
        o = cli::parseOptions(args, acceptEnv != nullptr && std::string(acceptEnv) == "1");
    } catch (const util::Error& e) {
        std::cerr << "nixdrill: " << e.describe() << std::endl;
        return exitUsage;
    }
    try {
        if (o.command == "help") {
            std::cout << cli::usage(o.helpTopic);
            return 0;
        }
        if (o.command == "version") {
            std::cout << "nixdrill " << NIXDRILL_VERSION << std::endl;
            return 0;
        }
        if (o.command == "eval") {
            return runEvalCommand(o);
        }
        if (o.command == "run") {
            return runRunCommand(o);
        }
        if (o.command == "drill") {
            return runDrillCommand(o);
        }
        return runReportCommand(o);
    } catch (const util::Error& e) {
        std::cerr << "nixdrill: " << e.describe() << std::endl;
        return exitUsage;
    } catch (const std::exception& e) {
        std::cerr << "nixdrill: internal error: " << e.what() << std::endl;
        return exitUsage;
    }
}
