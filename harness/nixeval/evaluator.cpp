///@file Batched nix-instantiate evaluation with per-request fallback.
#include "nixeval/evaluator.hpp"

#include "nixdrill_config.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

#include <cstdlib>
#include <sstream>

namespace nixdrill::nixeval {

namespace {

nlohmann::json requestJson(const EvalRequest& r) {
    nlohmann::json j = {{"id", r.id}, {"services", nlohmann::json(r.services)}};
    if (r.backup) {
        j["backup"] = nlohmann::json(*r.backup);
    }
    if (r.containers) {
        j["containers"] = nlohmann::json(*r.containers);
    }
    return j;
}

// Nix warns about settings that do not apply here (build users); keep that out of error texts.
const std::map<std::string, std::string> nixEnvironment = {{"NIX_CONFIG", "build-users-group =\n"}};

} // namespace

std::filesystem::path findNixDir(const std::optional<std::filesystem::path>& explicitDir) {
    std::vector<std::filesystem::path> candidates;
    if (explicitDir) {
        candidates.push_back(*explicitDir);
    } else {
        if (const char* env = std::getenv("NIXDRILL_NIX_DIR"); env && *env) {
            candidates.emplace_back(env);
        } else {
            candidates.emplace_back(NIXDRILL_SOURCE_NIX_DIR);
            candidates.emplace_back(NIXDRILL_INSTALLED_NIX_DIR);
        }
    }
    for (const auto& c : candidates) {
        std::error_code ec;
        if (std::filesystem::exists(c / "eval" / "batch.nix", ec)) {
            return std::filesystem::absolute(c);
        }
    }
    std::string tried;
    for (const auto& c : candidates) {
        tried += " " + c.string();
    }
    throw util::InputError("cannot find nixdrill's Nix files (eval/batch.nix) in:" + tried +
                           " (use --nix-dir or NIXDRILL_NIX_DIR)");
}

NixEvaluator::NixEvaluator(EvaluatorOptions options) : options_(std::move(options)) {}

std::string cleanNixError(const std::string& stderrText) {
    std::istringstream in(stderrText);
    std::string line;
    std::string out;
    while (std::getline(in, line)) {
        if (line.rfind("warning: ", 0) == 0) {
            continue;
        }
        out += line;
        out += '\n';
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

std::vector<std::optional<EvalOutcome>> decodeBatchResults(const std::string& text, std::size_t expected) {
    nlohmann::json results;
    try {
        results = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        auto pos = util::positionOf(text, e.byte == 0 ? 0 : e.byte - 1);
        throw util::SystemError("nix-instantiate printed output that is not JSON at " + std::to_string(pos.line) + ":" +
                                std::to_string(pos.column) + ": " + e.what());
    } catch (const nlohmann::json::exception& e) {
        // out_of_range.406: a number too large for a double.
        throw util::SystemError(std::string("nix-instantiate printed output that is not JSON: ") + e.what());
    }
    if (!results.is_array() || results.size() != expected) {
        throw util::SystemError("nix-instantiate returned " +
                                (results.is_array() ? std::to_string(results.size()) + " results"
                                                    : std::string("a JSON ") + results.type_name()) +
                                " for " + std::to_string(expected) + " requests");
    }
    // Anything else than batch.nix's format means nix/lib and the harness disagree: a harness bug.
    auto malformed = [](const std::string& pointer, const std::string& what) {
        return util::SystemError("nix-instantiate output " + pointer + ": " + what);
    };
    std::vector<std::optional<EvalOutcome>> out;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        std::string pointer = "/" + std::to_string(i);
        if (!r.is_object()) {
            throw malformed(pointer, std::string("expected an object, got a ") + r.type_name());
        }
        auto status = r.find("status");
        if (status == r.end() || !status->is_string()) {
            throw malformed(pointer + "/status", "missing or not a string");
        }
        if (*status == "threw") {
            out.emplace_back(std::nullopt);
            continue;
        }
        EvalOutcome o;
        if (*status == "ok") {
            if (!r.contains("value")) {
                throw malformed(pointer + "/value", "missing");
            }
            o.status = EvalStatus::Ok;
            o.value = r.at("value");
        } else if (*status == "invalid") {
            auto errors = r.find("errors");
            if (errors == r.end() || !errors->is_array()) {
                throw malformed(pointer + "/errors", "missing or not a list");
            }
            o.status = EvalStatus::Invalid;
            for (const auto& e : *errors) {
                o.errors.push_back(e.is_string() ? e.get<std::string>() : e.dump());
            }
            for (const auto& e : o.errors) {
                o.message += (o.message.empty() ? "" : "\n") + e;
            }
        } else {
            throw malformed(pointer + "/status", "unknown status \"" + status->get<std::string>() + "\"");
        }
        out.emplace_back(std::move(o));
    }
    return out;
}

NixEvaluator::RawBatch NixEvaluator::runBatch(const std::vector<EvalRequest>& requests, bool strict,
                                              const Script& script) const {
    util::TempDir dir("nixdrill-eval-");
    auto input = dir.path() / "requests.json";
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : requests) {
        list.push_back(requestJson(r));
    }
    util::writeFileAtomic(input, list.dump());

    util::ProcessOptions po;
    po.deadline = options_.deadline;
    po.environment = nixEnvironment;
    std::vector<std::string> argv = {options_.nixInstantiate,
                                     "--eval",
                                     "--strict",
                                     "--json",
                                     (options_.nixDir / script.file).string(),
                                     "--argstr",
                                     "inputFile",
                                     input.string(),
                                     "--arg",
                                     "strict",
                                     strict ? "true" : "false"};
    argv.insert(argv.end(), script.args.begin(), script.args.end());
    util::ProcessResult pr;
    try {
        pr = util::runProcess(argv, po);
    } catch (util::Error& e) {
        e.addContext("while evaluating " + std::to_string(requests.size()) + " scenario(s) with Nix");
        throw;
    }
    RawBatch raw;
    raw.seconds = pr.elapsed.count();
    if (pr.exitCode != 0) {
        raw.error = cleanNixError(pr.err);
        if (raw.error.empty()) {
            raw.error = "nix-instantiate exited with status " + std::to_string(pr.exitCode);
        }
        return raw;
    }
    try {
        raw.results = decodeBatchResults(pr.out, requests.size());
    } catch (util::Error& e) {
        e.addContext("while evaluating " + std::to_string(requests.size()) + " scenario(s) with Nix");
        throw;
    }
    raw.ok = true;
    return raw;
}

std::vector<EvalOutcome> NixEvaluator::evaluate(const std::vector<EvalRequest>& requests) const {
    return evaluateWith(requests, {"eval/batch.nix", {}});
}

std::vector<EvalOutcome> NixEvaluator::evaluateModules(const std::vector<EvalRequest>& requests,
                                                       const std::filesystem::path& nixpkgsLib) const {
    return evaluateWith(requests,
                        {"eval/modules.nix", {"--arg", "nixpkgsLib", std::filesystem::absolute(nixpkgsLib).string()}});
}

std::optional<std::filesystem::path> findNixpkgsLib(const std::filesystem::path& nixpkgsOrLib) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(nixpkgsOrLib / "lib" / "default.nix", ec)) {
        return nixpkgsOrLib / "lib";
    }
    if (std::filesystem::is_regular_file(nixpkgsOrLib / "default.nix", ec) &&
        std::filesystem::is_regular_file(nixpkgsOrLib / "modules.nix", ec)) {
        return nixpkgsOrLib;
    }
    return std::nullopt;
}

std::vector<EvalOutcome> NixEvaluator::evaluateWith(const std::vector<EvalRequest>& requests,
                                                    const Script& script) const {
    std::vector<EvalOutcome> outcomes(requests.size());
    if (requests.empty()) {
        return outcomes;
    }
    auto decode = [&](std::size_t i, const std::optional<EvalOutcome>& r, double seconds) {
        if (!r) {
            return false; // threw: needs its own strict evaluation for the message
        }
        outcomes[i] = *r;
        outcomes[i].id = requests[i].id;
        outcomes[i].seconds = seconds;
        return true;
    };

    std::vector<std::size_t> retry;
    auto batch = runBatch(requests, false, script);
    if (batch.ok) {
        double share = batch.seconds / static_cast<double>(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            if (!decode(i, batch.results[i], share)) {
                retry.push_back(i);
            }
        }
    } else {
        // An error tryEval cannot catch (a type error, say) aborted the whole batch: isolate it.
        for (std::size_t i = 0; i < requests.size(); ++i) {
            retry.push_back(i);
        }
    }

    for (auto i : retry) {
        bool strict = batch.ok; // known to throw: get the message at once
        auto single = runBatch({requests[i]}, strict, script);
        if (single.ok && decode(i, single.results[0], single.seconds)) {
            continue;
        }
        if (single.ok) {
            single = runBatch({requests[i]}, true, script);
            if (single.ok && decode(i, single.results[0], single.seconds)) {
                continue;
            }
        }
        auto& o = outcomes[i];
        o.id = requests[i].id;
        o.status = EvalStatus::Error;
        o.message = single.error.empty() ? "evaluation failed without a message" : single.error;
        o.seconds = single.seconds;
    }
    return outcomes;
}

std::string NixEvaluator::nixVersion() const {
    util::ProcessOptions po;
    po.deadline = std::chrono::seconds(30);
    po.environment = nixEnvironment;
    auto pr = util::runProcess({options_.nixInstantiate, "--version"}, po);
    std::string v = pr.out;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) {
        v.pop_back();
    }
    auto space = v.rfind(' ');
    return space == std::string::npos ? v : v.substr(space + 1);
}

} // namespace nixdrill::nixeval
