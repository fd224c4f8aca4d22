///@file The stored result of a run: suites of test cases with outcomes, times and evidence.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::model {

/// Kept apart everywhere: a Failed case met a wrong result, a Broken one could not be judged.
enum class Outcome {
    Passed,  ///< every expectation held
    Failed,  ///< an expectation was not met (the system under test is wrong)
    Broken,  ///< the harness or its infrastructure failed (no verdict on the system)
    Skipped, ///< not run, with a reason
};

std::string_view toString(Outcome outcome) noexcept;
/// @returns nullopt for an unknown name.
std::optional<Outcome> outcomeFromString(std::string_view name) noexcept;

/// One difference between an expected and an actual JSON document.
struct Mismatch {
    std::string pointer;                    ///< RFC 6901 JSON pointer into the compared document
    std::optional<nlohmann::json> expected; ///< absent: the actual has something not expected
    std::optional<nlohmann::json> actual;   ///< absent: the expected thing is missing
    std::string note;                       ///< optional explanation (e.g. an invariant's name)

    bool operator==(const Mismatch&) const = default;
};

/// An attempt of a case that did not pass and was retried (the scenario allowed retries).
struct Attempt {
    Outcome outcome = Outcome::Failed; ///< Failed or Broken
    double durationSeconds = 0;
    std::string message; ///< its one-line reason (secrets redacted)
    std::string output;  ///< its evidence (secrets redacted)

    bool operator==(const Attempt&) const = default;
};

struct CaseResult {
    std::string name;      ///< the test case (scenario name, or a step of a drill)
    std::string classname; ///< the owner of the case (scenario group or scenario)
    std::string scenario;  ///< the scenario the case belongs to
    std::string kind;      ///< what was checked: "eval", a drill step kind...
    Outcome outcome = Outcome::Passed;
    double durationSeconds = 0;
    std::string message;              ///< one-line reason when not passed
    std::vector<Mismatch> mismatches; ///< structured diff for Failed cases
    std::string output;               ///< evidence (secrets redacted), shown as system-out
    /// Earlier attempts that did not pass, in order; the case's own fields describe the last.
    std::vector<Attempt> failedAttempts;
    /// What the case measured, by name (e.g. "rto.<job>": seconds from restore start to service
    /// ready): JUnit <properties> of the testcase, a "properties" object in JSON.
    std::map<std::string, std::string> properties;

    std::size_t attempts() const noexcept { return failedAttempts.size() + 1; }
    /// Passed only after a retry: reported as flaky, never as a clean pass.
    bool flaky() const noexcept { return outcome == Outcome::Passed && !failedAttempts.empty(); }
};

struct SuiteResult {
    std::string name; ///< scenario file group, e.g. "collector"
    std::string file; ///< the file or directory the suite came from
    std::string timestamp;
    double durationSeconds = 0;
    std::vector<CaseResult> cases;
};

struct Counts {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t broken = 0;
    std::size_t skipped = 0;
    std::size_t flaky = 0; ///< passed after a retry (also counted in `passed`)
    std::size_t total() const noexcept { return passed + failed + broken + skipped; }
};

struct RunResult {
    std::string runId;
    std::string command; ///< "eval", "run"...
    std::string startedAt;
    double durationSeconds = 0;
    std::map<std::string, std::string> properties; ///< nixdrill version, nix version, accelerator...
    std::vector<SuiteResult> suites;

    Counts counts() const noexcept;
    /// True when nothing failed or broke.
    bool ok() const noexcept;
};

Counts countCases(const std::vector<CaseResult>& cases) noexcept;

} // namespace nixdrill::model
