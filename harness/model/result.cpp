///@file Outcome names and counting over stored results.
#include "model/result.hpp"

namespace nixdrill::model {

std::string_view toString(Outcome outcome) noexcept {
    switch (outcome) {
    case Outcome::Passed:
        return "passed";
    case Outcome::Failed:
        return "failed";
    case Outcome::Broken:
        return "broken";
    case Outcome::Skipped:
        return "skipped";
    }
    return "broken";
}

std::optional<Outcome> outcomeFromString(std::string_view name) noexcept {
    for (auto o : {Outcome::Passed, Outcome::Failed, Outcome::Broken, Outcome::Skipped}) {
        if (toString(o) == name) {
            return o;
        }
    }
    return std::nullopt;
}

Counts countCases(const std::vector<CaseResult>& cases) noexcept {
    Counts c;
    for (const auto& cr : cases) {
        switch (cr.outcome) {
        case Outcome::Passed:
            ++c.passed;
            c.flaky += cr.flaky();
            break;
        case Outcome::Failed:
            ++c.failed;
            break;
        case Outcome::Broken:
            ++c.broken;
            break;
        case Outcome::Skipped:
            ++c.skipped;
            break;
        }
    }
    return c;
}

Counts RunResult::counts() const noexcept {
    Counts total;
    for (const auto& suite : suites) {
        auto c = countCases(suite.cases);
        total.passed += c.passed;
        total.failed += c.failed;
        total.broken += c.broken;
        total.skipped += c.skipped;
        total.flaky += c.flaky;
    }
    return total;
}

bool RunResult::ok() const noexcept {
    auto c = counts();
    return c.failed == 0 && c.broken == 0;
}

} // namespace nixdrill::model
