///@file The `eval` use case: scenarios -> one batched Nix evaluation -> checked cases.
#pragma once

#include "model/result.hpp"
#include "model/scenario.hpp"
#include "nixeval/evaluator.hpp"
#include "scenario/parser.hpp"

#include <functional>
#include <optional>

namespace nixdrill::engine {

struct EvalRunOptions {
    /// Rewrite each scenario's expectations from the actual outputs (golden update).
    bool accept = false;
    /// Called once per finished case, in report order (for progress lines).
    std::function<void(const model::CaseResult&)> onCase;
};

/// Judges one scenario from its evaluation outcome: expected error substrings, invariants,
/// then the written expectations (each section present in `expect` compared exactly).
model::CaseResult judgeScenario(const model::Scenario& scenario, const nixeval::EvalOutcome& outcome);

/// A scenario document with its expectations replaced by the actual outputs.
/// @returns nullopt when the outcome gives nothing to accept (a broken evaluation).
std::optional<nlohmann::ordered_json> acceptedDocument(const model::Scenario& scenario,
                                                       const nixeval::EvalOutcome& outcome);

/// Runs every loaded scenario through `evaluator` in one batch and returns the run's result.
/// Load errors become Broken cases. When the evaluator itself cannot run, every scenario is
/// Broken with that message (the run still produces a complete report).
/// `outcomes`, when given, receives the evaluation outcome of each loaded scenario (in order).
model::RunResult runEval(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                         const EvalRunOptions& options, std::vector<nixeval::EvalOutcome>* outcomes = nullptr);

} // namespace nixdrill::engine
