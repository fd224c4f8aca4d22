///@file Which scenarios a run runs: `--only` patterns and `--rerun-failed` of a stored run.
#pragma once

#include "model/result.hpp"
#include "model/scenario.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::engine {

/// What a stored run says to run again: every scenario with a case that failed or broke (a fault
/// variant `s@kind`, a mutant `s~id`, or a plain scenario), and where they were loaded from.
struct RerunPlan {
    std::set<std::string> scenarios;     ///< full names, variants included
    std::set<std::string> paths;         ///< the suites' files and directories, as the run recorded them
    std::vector<std::string> faultKinds; ///< the kinds of the fault variants among them, first seen first
    bool mutants = false;                ///< a mutant among them: the run was a --mutants run
};

/// A survived or unjudged mutant (a "mutant" case that did not pass) is its variant `s~id`, and
/// its scenario too: a mutant is judged only next to the unmutated drill.
RerunPlan rerunPlanOf(const model::RunResult& run);

/// The scenario a variant was made from: NAME up to its first '@' (fault) or '~' (mutant).
std::string baseScenarioName(std::string_view name);

/// Comma-separated shell patterns (fnmatch: `*`, `?`, `[...]`) of `--only`.
/// @throws util::InputError for an empty list or an empty pattern.
std::vector<std::string> parsePatternList(const std::string& list);

/// Keeps the scenarios whose name one of `patterns` matches, or (with `keepBases`) that a kept
/// variant was made from; `names` adds exact names to the patterns.
/// @throws util::InputError saying `what` selected nothing, or which exact names are unknown.
void keepSelected(std::vector<model::Scenario>& scenarios, const std::vector<std::string>& patterns,
                  const std::set<std::string>& names, bool keepBases, const std::string& what);

} // namespace nixdrill::engine
