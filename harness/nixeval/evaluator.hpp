///@file The bridge to Nix: evaluates scenario inputs against nix/lib in one batched process.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::nixeval {

struct EvalRequest {
    std::string id;
    nlohmann::ordered_json services;
    std::optional<nlohmann::ordered_json> backup;     ///< modules.backup settings, when the scenario has them
    std::optional<nlohmann::ordered_json> containers; ///< container backups, when the scenario has them
};

enum class EvalStatus {
    Ok,      ///< value holds the outputs
    Invalid, ///< nix/lib's validation rejected the input: errors holds its messages
    Error,   ///< evaluation itself failed: message holds Nix's own error text
};

struct EvalOutcome {
    std::string id;
    EvalStatus status = EvalStatus::Error;
    nlohmann::json value;            ///< { "collector": ..., "backup": ... } when Ok
    std::vector<std::string> errors; ///< validation messages when Invalid
    std::string message;             ///< Nix's error text when Error; errors joined when Invalid
    double seconds = 0;              ///< evaluation time attributed to this request
};

struct EvaluatorOptions {
    std::filesystem::path nixDir; ///< the directory holding lib/ and eval/batch.nix
    std::string nixInstantiate = "nix-instantiate";
    std::chrono::milliseconds deadline{std::chrono::minutes(5)};
};

/// The lib directory of a nixpkgs or nixpkgs.lib checkout (PATH/lib), or PATH itself when it is
/// such a lib directory (default.nix beside modules.nix); nullopt when it is neither.
std::optional<std::filesystem::path> findNixpkgsLib(const std::filesystem::path& nixpkgsOrLib);

/// Locates nix/ : explicit flag, then NIXDRILL_NIX_DIR, then the source tree, then the install.
/// @throws util::InputError when none of them has eval/batch.nix.
std::filesystem::path findNixDir(const std::optional<std::filesystem::path>& explicitDir);

class NixEvaluator {
public:
    explicit NixEvaluator(EvaluatorOptions options);

    /// Evaluates all requests in one nix-instantiate process. Requests whose evaluation threw are
    /// evaluated again one by one, so one bad scenario never hides the others' results and each
    /// error carries Nix's own message.
    /// @throws util::SystemError / util::TimeoutError when Nix cannot be run at all.
    std::vector<EvalOutcome> evaluate(const std::vector<EvalRequest>& requests) const;

    /// Evaluates the same requests through nixdrill's NixOS modules and nixpkgs' real module
    /// system (eval/modules.nix, lib.evalModules with stubs for the rest of NixOS), batched and
    /// isolated the same way. Ok: the outputs in evaluate()'s shape, read from the options the
    /// modules set; Invalid: the failed assertions; Error: Nix's message (an option type, an
    /// option that does not exist).
    /// @throws util::SystemError / util::TimeoutError when Nix cannot be run at all.
    std::vector<EvalOutcome> evaluateModules(const std::vector<EvalRequest>& requests,
                                             const std::filesystem::path& nixpkgsLib) const;

    /// "nix-instantiate (Nix) 2.8.0" -> "2.8.0". @throws util::SystemError when Nix cannot be run.
    std::string nixVersion() const;

private:
    struct RawBatch {
        bool ok = false;
        std::vector<std::optional<EvalOutcome>> results;
        std::string error; ///< stderr of a failed process
        double seconds = 0;
    };
    /// The Nix file a batch runs (relative to nixDir) and its extra nix-instantiate arguments.
    struct Script {
        std::string file;
        std::vector<std::string> args;
    };
    RawBatch runBatch(const std::vector<EvalRequest>& requests, bool strict, const Script& script) const;
    std::vector<EvalOutcome> evaluateWith(const std::vector<EvalRequest>& requests, const Script& script) const;
    EvaluatorOptions options_;
};

/// Decodes what eval/batch.nix prints for `expected` requests: one outcome per request (id and
/// seconds left unset), std::nullopt where the request threw and needs a strict re-evaluation.
/// @throws util::SystemError naming the JSON pointer (or line:column) of the first thing that is not
///         batch.nix's output format.
std::vector<std::optional<EvalOutcome>> decodeBatchResults(const std::string& text, std::size_t expected);

/// Strips Nix's warnings and trailing blank lines from its stderr, keeping the error and its trace.
std::string cleanNixError(const std::string& stderrText);

} // namespace nixdrill::nixeval
