///@file Benchmarks of the pure harness parts: reports, diffs, manifests, scenario parsing.
#include "model/result.hpp"
#include "report/json_report.hpp"
#include "report/junit.hpp"
#include "report/prometheus.hpp"
#include "scenario/parser.hpp"
#include "verify/json_diff.hpp"
#include "verify/manifest.hpp"

#include <benchmark/benchmark.h>

using namespace nixdrill;

namespace {

model::RunResult bigRun(std::size_t cases) {
    model::RunResult run;
    run.runId = "bench";
    run.command = "run";
    run.startedAt = "2026-11-23T00:00:00Z";
    run.properties = {{"nixdrill.version", "0.1.0"}, {"accelerator", "tcg"}};
    std::size_t perSuite = 100;
    for (std::size_t s = 0; s * perSuite < cases; ++s) {
        model::SuiteResult suite;
        suite.name = "suite-" + std::to_string(s);
        for (std::size_t i = 0; i < perSuite && s * perSuite + i < cases; ++i) {
            model::CaseResult c;
            c.name = "case-" + std::to_string(i);
            c.scenario = "scenario-" + std::to_string(s * perSuite + i);
            c.classname = suite.name;
            c.kind = "eval";
            c.durationSeconds = 0.001 * static_cast<double>(i);
            if (i % 10 == 0) {
                c.outcome = model::Outcome::Failed;
                c.message = "1 difference(s) from the expected outputs";
                c.mismatches.push_back({"/collector/backupOrder/0", nlohmann::json("a"), nlohmann::json("b"), ""});
                c.output = "evidence line\nanother line with <xml> & \"quotes\"\n";
            }
            suite.cases.push_back(std::move(c));
        }
        run.suites.push_back(std::move(suite));
    }
    return run;
}

void BM_JunitAndPrometheus10k(benchmark::State& state) {
    auto run = bigRun(10000);
    for (auto _ : state) {
        auto xml = report::renderJunit(run);
        auto prom = report::renderPrometheus(run);
        benchmark::DoNotOptimize(xml.data());
        benchmark::DoNotOptimize(prom.data());
    }
}
BENCHMARK(BM_JunitAndPrometheus10k)->Unit(benchmark::kMillisecond);

void BM_StoredResult10k(benchmark::State& state) {
    auto run = bigRun(10000);
    for (auto _ : state) {
        auto text = report::toJson(run).dump();
        auto back = report::runResultFromJson(nlohmann::json::parse(text));
        benchmark::DoNotOptimize(back.suites.size());
    }
}
BENCHMARK(BM_StoredResult10k)->Unit(benchmark::kMillisecond);

void BM_DiffCollectorOutput(benchmark::State& state) {
    nlohmann::json a = nlohmann::json::object();
    for (int i = 0; i < 1000; ++i) {
        a["backups"]["svc-" + std::to_string(i)] = {{"paths", {"/srv/" + std::to_string(i)}}, {"priority", i % 7}};
    }
    auto b = a;
    b["backups"]["svc-500"]["priority"] = 99;
    for (auto _ : state) {
        auto d = verify::diffJson(a, b);
        benchmark::DoNotOptimize(d.size());
    }
}
BENCHMARK(BM_DiffCollectorOutput)->Unit(benchmark::kMicrosecond);

void BM_ParseManifest2000(benchmark::State& state) {
    std::string out;
    for (int i = 0; i < 2000; ++i) {
        std::string p = "./srv/app/dir-" + std::to_string(i % 20) + "/file-" + std::to_string(i) + ".bin";
        out += std::string("E\0f\0"
                           "644\0"
                           "0\0"
                           "0\0"
                           "4096\0",
                           17) +
               p + std::string("\0\0", 2);
        out += std::string("H\0", 2) + std::string(64, 'a') + std::string("\0", 1) + p + std::string("\0", 1);
    }
    for (auto _ : state) {
        auto m = verify::parseManifest(out);
        benchmark::DoNotOptimize(m.entries.size());
    }
}
BENCHMARK(BM_ParseManifest2000)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
