///@file Stored runs of one suite's shards merged into one run (`nixdrill report --from a --from b`).
#include "report/merge.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace nixdrill::report {

namespace {

/// Every scenario of a run (a case without one counts by its suite and name).
std::set<std::string> scenariosOf(const model::RunResult& run) {
    std::set<std::string> out;
    for (const auto& suite : run.suites) {
        for (const auto& c : suite.cases) {
            out.insert(c.scenario.empty() ? suite.name + "/" + c.name : c.scenario);
        }
    }
    return out;
}

void checkMergeable(const std::vector<NamedRun>& runs) {
    std::vector<std::string> problems;
    for (std::size_t i = 1; i < runs.size(); ++i) {
        if (runs[i].run.command != runs[0].run.command) {
            problems.push_back(runs[i].name + ": a `" + runs[i].run.command + "` run, but " + runs[0].name + " is a `" +
                               runs[0].run.command + "` run");
        }
    }
    std::map<std::string, std::string> seenIn;
    for (const auto& r : runs) {
        for (const auto& s : scenariosOf(r.run)) {
            auto [it, fresh] = seenIn.emplace(s, r.name);
            if (!fresh) {
                problems.push_back("scenario " + s + " is in both " + it->second + " and " + r.name);
            }
        }
    }
    if (!problems.empty()) {
        std::string text = "cannot merge these runs (shards of one run never overlap):";
        for (const auto& p : problems) {
            text += "\n  " + p;
        }
        throw util::InputError(text);
    }
}

void mergeProperties(model::RunResult& into, const std::vector<NamedRun>& runs) {
    std::map<std::string, std::vector<std::string>> values;
    for (const auto& r : runs) {
        for (const auto& [k, v] : r.run.properties) {
            auto& vs = values[k];
            if (std::find(vs.begin(), vs.end(), v) == vs.end()) {
                vs.push_back(v);
            }
        }
    }
    for (const auto& [k, vs] : values) {
        std::string joined;
        for (const auto& v : vs) {
            joined += (joined.empty() ? "" : " | ") + v;
        }
        into.properties[k] = joined;
    }
}

} // namespace

model::RunResult mergeRuns(const std::vector<NamedRun>& runs) {
    if (runs.empty()) {
        throw util::InputError("nothing to merge");
    }
    checkMergeable(runs);
    model::RunResult out;
    out.command = runs[0].run.command;
    std::string ids;
    std::map<std::string, std::size_t> suiteAt;
    for (const auto& r : runs) {
        ids += (ids.empty() ? "" : ",") + r.run.runId;
        if (out.startedAt.empty() || (!r.run.startedAt.empty() && r.run.startedAt < out.startedAt)) {
            out.startedAt = r.run.startedAt; // ISO 8601 UTC: text order is time order
        }
        out.durationSeconds = std::max(out.durationSeconds, r.run.durationSeconds);
        for (const auto& suite : r.run.suites) {
            auto [it, fresh] = suiteAt.emplace(suite.name, out.suites.size());
            if (fresh) {
                out.suites.push_back(suite);
                continue;
            }
            auto& into = out.suites[it->second];
            into.cases.insert(into.cases.end(), suite.cases.begin(), suite.cases.end());
            into.durationSeconds += suite.durationSeconds;
            into.timestamp = std::min(into.timestamp, suite.timestamp);
        }
    }
    out.runId = runs.size() == 1 ? runs[0].run.runId : "merged-" + runs[0].run.runId;
    mergeProperties(out, runs);
    out.properties["merge.runs"] = ids;
    return out;
}

} // namespace nixdrill::report
