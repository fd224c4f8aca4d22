///@file Prometheus textfile-collector output.
#include "report/prometheus.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <sstream>

namespace nixdrill::report {

namespace {

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Writer {
    std::ostringstream out;
    void header(const char* name, const char* type, const char* help) {
        out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
    }
    void sample(const char* name, const Labels& labels, const std::string& value) {
        out << name;
        if (!labels.empty()) {
            out << '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                out << (i ? "," : "") << labels[i].first << "=\"" << escapeLabelValue(labels[i].second) << '"';
            }
            out << '}';
        }
        out << ' ' << value << '\n';
    }
};

// The worst outcome of a scenario's cases of one kind: broken > failed > skipped > passed.
int severity(model::Outcome o) {
    switch (o) {
    case model::Outcome::Passed:
        return 0;
    case model::Outcome::Skipped:
        return 1;
    case model::Outcome::Failed:
        return 2;
    case model::Outcome::Broken:
        return 3;
    }
    return 3;
}

/// A property key as a Prometheus label name in snake_case ("drills.memoryBudgetMib" ->
/// "drills_memory_budget_mib"), or "" when none can be made.
std::string labelName(const std::string& key) {
    std::string label;
    for (std::size_t i = 0; i < key.size(); ++i) {
        auto c = static_cast<unsigned char>(key[i]);
        if (std::isupper(c)) {
            bool afterLower = i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]));
            if (afterLower && !label.empty() && label.back() != '_') {
                label += '_';
            }
            label += static_cast<char>(std::tolower(c));
        } else {
            label += (std::isalnum(c) || c == '_') ? static_cast<char>(c) : '_';
        }
    }
    if (label.empty() || std::isdigit(static_cast<unsigned char>(label.front())) || label.rfind("__", 0) == 0) {
        return "";
    }
    return label;
}

// renderPrometheus in one function per group of series, in the order they are written.

struct ScenarioAggregate {
    model::Outcome outcome = model::Outcome::Passed;
    double seconds = 0;
    std::size_t flaky = 0; ///< cases that passed only after a retry
};

using ScenarioAggregates = std::map<std::pair<std::string, std::string>, ScenarioAggregate>; // (scenario, kind)

constexpr model::Outcome allOutcomes[] = {model::Outcome::Passed, model::Outcome::Failed, model::Outcome::Broken,
                                          model::Outcome::Skipped};

/// Every (scenario, kind) of the run with its worst outcome, total time and flaky cases.
ScenarioAggregates aggregateScenarios(const model::RunResult& run) {
    ScenarioAggregates scenarios;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            auto& a = scenarios[{c.scenario.empty() ? c.name : c.scenario, c.kind}];
            if (severity(c.outcome) > severity(a.outcome)) {
                a.outcome = c.outcome;
            }
            a.seconds += c.durationSeconds;
            a.flaky += c.flaky();
        }
    }
    return scenarios;
}

/// nixdrill_scenario_{status,outcome,duration_seconds,flaky_cases}: one series per (scenario, kind).
void writeScenarioSeries(Writer& w, const std::string& cmd, const ScenarioAggregates& scenarios) {
    w.header("nixdrill_scenario_status", "gauge", "1 when every check of the scenario passed, else 0.");
    for (const auto& [key, a] : scenarios) {
        w.sample("nixdrill_scenario_status", {{"command", cmd}, {"scenario", key.first}, {"kind", key.second}},
                 a.outcome == model::Outcome::Passed ? "1" : "0");
    }
    w.header("nixdrill_scenario_outcome", "gauge",
             "1 for the scenario's outcome (passed, failed, broken or skipped), 0 for the others.");
    for (const auto& [key, a] : scenarios) {
        for (auto o : allOutcomes) {
            w.sample("nixdrill_scenario_outcome",
                     {{"command", cmd},
                      {"scenario", key.first},
                      {"kind", key.second},
                      {"outcome", std::string(model::toString(o))}},
                     a.outcome == o ? "1" : "0");
        }
    }
    w.header("nixdrill_scenario_duration_seconds", "gauge", "Time spent on the scenario's checks.");
    for (const auto& [key, a] : scenarios) {
        w.sample("nixdrill_scenario_duration_seconds",
                 {{"command", cmd}, {"scenario", key.first}, {"kind", key.second}}, number(a.seconds));
    }
    w.header("nixdrill_scenario_flaky_cases", "gauge",
             "Checks of the scenario that passed only after a retry (0: every pass was clean).");
    for (const auto& [key, a] : scenarios) {
        w.sample("nixdrill_scenario_flaky_cases", {{"command", cmd}, {"scenario", key.first}, {"kind", key.second}},
                 std::to_string(a.flaky));
    }
}

/// Fault cases by fault kind: how often each fault of the catalogue was survived or detected
/// as declared (passed) and how often not, across the run's scenarios. Nothing without faults.
void writeFaultCases(Writer& w, const model::RunResult& run) {
    std::map<std::string, std::map<model::Outcome, std::size_t>> faultCounts;
    const std::string faultPrefix = "drill:fault:";
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            if (c.kind.rfind(faultPrefix, 0) == 0) {
                ++faultCounts[c.kind.substr(faultPrefix.size())][c.outcome];
            }
        }
    }
    if (faultCounts.empty()) {
        return;
    }
    w.header("nixdrill_fault_cases", "gauge", "Fault injections of the last run by fault kind and outcome.");
    for (const auto& [fault, byOutcome] : faultCounts) {
        for (auto o : allOutcomes) {
            auto it = byOutcome.find(o);
            w.sample("nixdrill_fault_cases",
                     {{"command", run.command}, {"fault", fault}, {"outcome", std::string(model::toString(o))}},
                     std::to_string(it == byOutcome.end() ? 0 : it->second));
        }
    }
}

/// Recovery time measured by drill steps (case property "rto.<job>"): a sample per step and job.
/// A property that is not a number is left out rather than written as a broken sample.
void writeRecoveryTimes(Writer& w, const model::RunResult& run) {
    const std::string prefix = "rto.";
    bool any = false;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            for (const auto& [key, value] : c.properties) {
                if (key.rfind(prefix, 0) != 0) {
                    continue;
                }
                char* end = nullptr;
                double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || end == nullptr || *end != '\0') {
                    continue;
                }
                if (!any) {
                    w.header("nixdrill_drill_rto_seconds", "gauge",
                             "Seconds from the start of a job's restore to its services passing their readiness "
                             "checks, by drill step, in the last run.");
                    any = true;
                }
                w.sample("nixdrill_drill_rto_seconds",
                         {{"command", run.command},
                          {"scenario", c.scenario},
                          {"step", c.name},
                          {"job", key.substr(prefix.size())}},
                         number(seconds));
            }
        }
    }
}

/// The run as a whole: cases by outcome, flaky cases, wall time, start time.
void writeRunTotals(Writer& w, const model::RunResult& run) {
    const std::string& cmd = run.command;
    auto counts = run.counts();
    w.header("nixdrill_run_cases", "gauge", "Test cases of the last run by outcome.");
    w.sample("nixdrill_run_cases", {{"command", cmd}, {"outcome", "passed"}}, std::to_string(counts.passed));
    w.sample("nixdrill_run_cases", {{"command", cmd}, {"outcome", "failed"}}, std::to_string(counts.failed));
    w.sample("nixdrill_run_cases", {{"command", cmd}, {"outcome", "broken"}}, std::to_string(counts.broken));
    w.sample("nixdrill_run_cases", {{"command", cmd}, {"outcome", "skipped"}}, std::to_string(counts.skipped));
    // Apart from nixdrill_run_cases: flaky cases are also counted there as passed.
    w.header("nixdrill_run_flaky_cases", "gauge", "Test cases of the last run that passed only after a retry.");
    w.sample("nixdrill_run_flaky_cases", {{"command", cmd}}, std::to_string(counts.flaky));
    w.header("nixdrill_run_duration_seconds", "gauge", "Wall time of the last run.");
    w.sample("nixdrill_run_duration_seconds", {{"command", cmd}}, number(run.durationSeconds));
    if (auto ts = parseTimestamp(run.startedAt)) {
        w.header("nixdrill_run_start_timestamp_seconds", "gauge", "When the last run started, in Unix time.");
        w.sample("nixdrill_run_start_timestamp_seconds", {{"command", cmd}}, std::to_string(*ts));
    }
}

/// The run's properties split: per-drill timings ("profile.<scenario>.<phase>") are
/// measurements, not settings: as labels of nixdrill_run_info they would make a new series
/// every run, so they get their own gauges.
struct SplitProperties {
    std::map<std::string, Labels> profile; ///< scenario -> (phase, value)
    Labels info;                           ///< nixdrill_run_info's labels
};

/// The scenario of a profile key without its "profile." prefix, or "" when none fits. Phases
/// have dots too ("boot.agent"): the scenario is the longest known name that fits.
std::string profileScenario(const std::string& rest, const ScenarioAggregates& scenarios) {
    std::string scenario;
    for (const auto& entry : scenarios) {
        const auto& name = entry.first.first;
        if (rest.size() > name.size() + 1 && rest.compare(0, name.size(), name) == 0 && rest[name.size()] == '.' &&
            name.size() > scenario.size()) {
            scenario = name;
        }
    }
    return scenario;
}

SplitProperties splitProperties(const model::RunResult& run, const ScenarioAggregates& scenarios) {
    SplitProperties out;
    out.info = {{"command", run.command}};
    for (const auto& [k, v] : run.properties) {
        if (k.rfind("profile.", 0) == 0) {
            std::string rest = k.substr(8);
            std::string scenario = profileScenario(rest, scenarios);
            char* end = nullptr;
            std::strtod(v.c_str(), &end);
            if (!scenario.empty() && !v.empty() && end != nullptr && *end == '\0') {
                out.profile[scenario].emplace_back(rest.substr(scenario.size() + 1), v);
            }
            continue;
        }
        if (k == "drills.wall") {
            continue; // nixdrill_run_duration_seconds says it
        }
        if (auto label = labelName(k); !label.empty()) {
            out.info.emplace_back(label, v);
        }
    }
    return out;
}

/// One gauge of the profile keys: times in seconds, or (`counts`) the counts ("count.<what>").
/// Nothing, not even the header, when no key is of that sort.
void writeProfileGauge(Writer& w, const std::string& cmd, const std::map<std::string, Labels>& profile,
                       const char* name, const char* help, const char* label, bool counts) {
    bool headed = false;
    for (const auto& [scenario, phases] : profile) {
        for (const auto& [phase, value] : phases) {
            bool isCount = phase.rfind("count.", 0) == 0;
            if (isCount != counts) {
                continue;
            }
            if (!headed) {
                w.header(name, "gauge", help);
                headed = true;
            }
            w.sample(name, {{"command", cmd}, {"scenario", scenario}, {label, counts ? phase.substr(6) : phase}},
                     value);
        }
    }
}

} // namespace

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<long long> parseTimestamp(const std::string& text) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == nullptr || *end != '\0') {
        return std::nullopt;
    }
    return static_cast<long long>(::timegm(&tm));
}

std::string renderPrometheus(const model::RunResult& run) {
    auto scenarios = aggregateScenarios(run);
    Writer w;
    writeScenarioSeries(w, run.command, scenarios);
    writeFaultCases(w, run);
    writeRecoveryTimes(w, run);
    writeRunTotals(w, run);
    auto properties = splitProperties(run, scenarios);
    writeProfileGauge(w, run.command, properties.profile, "nixdrill_drill_phase_seconds",
                      "Time of each phase of a drill (boot, steps by kind, agent channel, harness CPU, wall) in the "
                      "last run.",
                      "phase", false);
    writeProfileGauge(w, run.command, properties.profile, "nixdrill_drill_operations",
                      "Operations counted during a drill (agent calls, commands, polls).", "what", true);
    w.header("nixdrill_run_info", "gauge", "Versions and settings of the last run, as labels.");
    w.sample("nixdrill_run_info", properties.info, "1");
    return w.out.str();
}

} // namespace nixdrill::report
