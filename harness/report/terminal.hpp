///@file Terminal output: a line per case, the evidence of failures, a summary line.
#pragma once

#include "model/result.hpp"

#include <string>

namespace nixdrill::report {

/// "PASS  group/name  (0.012 s)" for one case, plus indented diff and message for bad ones.
std::string renderCaseLine(const model::CaseResult& c, bool withEvidence = true);

/// "N passed, N failed, N broken, N skipped in T s".
std::string renderSummary(const model::RunResult& run);

/// The fault cases (kind `drill:fault:<kind>`) grouped by fault kind, one line per kind with
/// its counts by outcome and the scenarios where it did not pass; "" when the run has none.
std::string renderFaultSummary(const model::RunResult& run);

/// Every case line, the fault summary, then the summary.
std::string renderTerminal(const model::RunResult& run);

} // namespace nixdrill::report
