///@file Mutation testing of contracts (`nixdrill run --mutants`): each drill scenario with its
/// contracts mutated the ways a good drill must catch, and the mutation score.
#pragma once

#include "model/result.hpp"
#include "model/scenario.hpp"

#include <string>
#include <vector>

namespace nixdrill::engine {

/// One mutant of a scenario's contracts.
struct Mutant {
    std::string scenario;    ///< the scenario it was made from
    std::string file;        ///< that scenario's file
    std::string variant;     ///< its own scenario name, `<scenario>~<id>`
    std::string id;          ///< e.g. "drop-preBackup.shop"
    std::string description; ///< what the mutant does to the contract, for the report
    std::string hint;        ///< what a drill needs to notice it, for a survivor's report
};

/// A scenario's mutation score, as its run properties say it.
struct MutationScore {
    std::string scenario;
    std::string score;     ///< "killed/judged"
    std::string survivors; ///< their ids, comma-separated
};

struct MutantSet {
    std::vector<model::Scenario> variants; ///< one per mutant, in `mutants`' order
    std::vector<Mutant> mutants;
};

/// The mutants of a drill scenario, service by service (enabled services, in name order):
/// drop each backupPath (when another path remains), drop preBackup, drop postRestore, drop
/// each systemdUnit, and an exclude that swallows the files under the first backupPath. A
/// mutant leaves the drill as it is: only the contract changes.
/// @throws util::InputError when the scenario has no drill, or its contracts give no mutant.
MutantSet mutantsOf(const model::Scenario& scenario);

/// The run's verdict on the mutants: their cases (evaluation and drill steps) are replaced by one
/// suite `mutants.<scenario>` per scenario with a case per mutant: Passed when a case of its
/// drill Failed (killed, the killing case named), Failed when every case passed (survived: the
/// drill does not notice), Broken when a case broke and none failed (no verdict). When the
/// scenario's own drill did not pass, every mutant is Broken: nothing can be said. The mutant's
/// cases stay, in order, in its case's output. Adds the run properties
/// `mutants.<scenario>.score` ("killed/judged") and `.survivors` (ids, comma-separated). A
/// survivor's message says what a drill needs to notice it.
/// @returns one score per scenario, in the mutants' order (what the terminal prints).
std::vector<MutationScore> scoreMutants(model::RunResult& run, const std::vector<Mutant>& mutants);

} // namespace nixdrill::engine
