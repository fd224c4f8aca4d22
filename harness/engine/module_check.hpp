///@file `eval --nixpkgs`: the scenarios through the NixOS module system, compared with nix/lib.
#pragma once

#include "model/result.hpp"
#include "model/scenario.hpp"
#include "nixeval/evaluator.hpp"
#include "scenario/parser.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace nixdrill::engine {

/// The NixOS option a difference at `pointer` (into nix/lib's outputs, e.g.
/// "/backup/jobs/etc/pruneOpts/0") is about: "services.restic.backups.etc.pruneOpts".
std::string optionPathOfPointer(const std::string& pointer);

/// The option path an error message starts with ("qgroget.serviceModules.db.priority: ...") or
/// that the module system names in it ("The option `modules.backup.zfs' does not exist"); ""
/// when there is none.
std::string optionPathOfMessage(const std::string& message);

/// Judges one scenario's module-system evaluation against its nix/lib evaluation:
///  - both accept it: every output field the modules publish equals nix/lib's (each difference
///    a mismatch whose note names the option);
///  - nix/lib accepts it, the modules do not (failed assertion or a type error): Failed;
///  - nix/lib rejects it: the modules must reject it too (a failed assertion or an option type
///    error) at an option nix/lib names; a message worded differently for the same option passes,
///    with the two wordings in the output.
model::CaseResult compareWithModules(const model::Scenario& scenario, const nixeval::EvalOutcome& pure,
                                     const nixeval::EvalOutcome& modules);

struct ModuleCheckOptions {
    std::filesystem::path nixpkgsLib; ///< nixpkgs' lib directory
    std::function<void(const model::CaseResult&)> onCase;
};

/// Evaluates the loaded scenarios through the modules (one batch) and appends a suite
/// "nixos-modules" to `run` with one case per scenario, judged against `pureOutcomes` (runEval's,
/// in the same order). When Nix cannot run at all, every case is Broken with that message.
void addModuleComparison(model::RunResult& run, const scenario::LoadResult& loaded,
                         const std::vector<nixeval::EvalOutcome>& pureOutcomes, const nixeval::NixEvaluator& evaluator,
                         const ModuleCheckOptions& options);

} // namespace nixdrill::engine
