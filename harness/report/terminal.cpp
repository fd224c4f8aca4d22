///@file Terminal output.
#include "report/terminal.hpp"

#include "report/diff_text.hpp"

#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

namespace nixdrill::report {

namespace {

const char* tag(model::Outcome o) {
    switch (o) {
    case model::Outcome::Passed:
        return "PASS  ";
    case model::Outcome::Failed:
        return "FAIL  ";
    case model::Outcome::Broken:
        return "BROKEN";
    case model::Outcome::Skipped:
        return "SKIP  ";
    }
    return "?     ";
}

std::string indent(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::string out;
    while (std::getline(in, line)) {
        out += "        " + line + "\n";
    }
    return out;
}

} // namespace

std::string renderCaseLine(const model::CaseResult& c, bool withEvidence) {
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", c.durationSeconds);
    std::string out = std::string(c.flaky() ? "FLAKY " : tag(c.outcome)) + "  " + c.classname + "/" + c.name + "  (" +
                      time + " s" +
                      (c.failedAttempts.empty() ? std::string() : ", attempt " + std::to_string(c.attempts())) + ")\n";
    if (withEvidence) {
        for (std::size_t i = 0; i < c.failedAttempts.size(); ++i) {
            const auto& a = c.failedAttempts[i];
            out += indent("attempt " + std::to_string(i + 1) + " " + std::string(model::toString(a.outcome)) + ": " +
                          a.message);
        }
    }
    if (withEvidence && c.outcome != model::Outcome::Passed) {
        if (!c.message.empty()) {
            out += indent(c.message);
        }
        if (!c.mismatches.empty()) {
            out += indent(formatMismatches(c.mismatches));
        }
    }
    return out;
}

std::string renderSummary(const model::RunResult& run) {
    auto c = run.counts();
    char buf[200];
    if (c.flaky > 0) {
        std::snprintf(buf, sizeof buf, "%zu passed (%zu flaky), %zu failed, %zu broken, %zu skipped in %.2f s",
                      c.passed, c.flaky, c.failed, c.broken, c.skipped, run.durationSeconds);
    } else {
        std::snprintf(buf, sizeof buf, "%zu passed, %zu failed, %zu broken, %zu skipped in %.2f s", c.passed, c.failed,
                      c.broken, c.skipped, run.durationSeconds);
    }
    return buf;
}

std::string renderFaultSummary(const model::RunResult& run) {
    struct Group {
        std::map<model::Outcome, std::size_t> counts;
        std::vector<std::string> bad; ///< scenario/case of the cases that did not pass
    };
    const std::string prefix = "drill:fault:";
    std::map<std::string, Group> groups;
    for (const auto& s : run.suites) {
        for (const auto& c : s.cases) {
            if (c.kind.rfind(prefix, 0) != 0) {
                continue;
            }
            auto& g = groups[c.kind.substr(prefix.size())];
            ++g.counts[c.outcome];
            if (c.outcome != model::Outcome::Passed) {
                g.bad.push_back(std::string(model::toString(c.outcome)) + " " + c.classname + "/" + c.name);
            }
        }
    }
    if (groups.empty()) {
        return "";
    }
    std::string out = "faults by kind:\n";
    for (const auto& [kind, g] : groups) {
        std::string counts;
        for (auto o :
             {model::Outcome::Passed, model::Outcome::Failed, model::Outcome::Broken, model::Outcome::Skipped}) {
            if (auto it = g.counts.find(o); it != g.counts.end()) {
                counts +=
                    (counts.empty() ? "" : ", ") + std::to_string(it->second) + " " + std::string(model::toString(o));
            }
        }
        char line[256];
        std::snprintf(line, sizeof line, "  %-22s %s\n", kind.c_str(), counts.c_str());
        out += line;
        for (const auto& b : g.bad) {
            out += "      " + b + "\n";
        }
    }
    return out;
}

std::string renderTerminal(const model::RunResult& run) {
    std::string out;
    for (const auto& s : run.suites) {
        for (const auto& c : s.cases) {
            out += renderCaseLine(c);
        }
    }
    return out + renderFaultSummary(run) + renderSummary(run) + "\n";
}

} // namespace nixdrill::report
