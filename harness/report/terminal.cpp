///@file Terminal output.
#include "report/terminal.hpp"

#include "report/diff_text.hpp"

#include <cstdio>
#include <sstream>

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
    std::string out = std::string(tag(c.outcome)) + "  " + c.classname + "/" + c.name + "  (" + time + " s)\n";
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
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu passed, %zu failed, %zu broken, %zu skipped in %.2f s", c.passed, c.failed,
                  c.broken, c.skipped, run.durationSeconds);
    return buf;
}

std::string renderTerminal(const model::RunResult& run) {
    std::string out;
    for (const auto& s : run.suites) {
        for (const auto& c : s.cases) {
            out += renderCaseLine(c);
        }
    }
    return out + renderSummary(run) + "\n";
}

} // namespace nixdrill::report
