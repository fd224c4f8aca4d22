///@file The `run` use case: evaluate scenarios, then drill those that have a drill section.
#pragma once

#include "engine/drill_runner.hpp"
#include "engine/eval_runner.hpp"

#include <map>
#include <memory>

namespace nixdrill::engine {

/// Where drill guests come from: libvirt in production. The engine sees only this.
class GuestProvider {
public:
    virtual ~GuestProvider() = default;
    /// A guest for the scenario's drill, not started yet.
    /// @throws util::Error when no guest can be made (image build, libvirt connection...).
    virtual std::unique_ptr<guest::Guest> create(const model::Scenario& scenario) = 0;
    /// The tail of the guest's serial console, for Broken evidence ("" when unknown).
    virtual std::string consoleTail(guest::Guest& guest) = 0;
    /// Facts for the report's properties (accelerator, guest image, libvirt URI...).
    virtual std::map<std::string, std::string> properties() = 0;
};

struct RunOptions {
    EvalRunOptions eval;
    std::function<void(const model::CaseResult&)> onCase;
    std::function<void(const std::string&)> onProgress; ///< "drill x: booting..." lines
};

/// Evaluates every scenario (one eval case each, as `eval` does) and runs the drills of those
/// that have one and evaluated cleanly. A drill whose guest cannot be made is one Broken case.
model::RunResult runScenarios(const scenario::LoadResult& loaded, const nixeval::NixEvaluator& evaluator,
                              GuestProvider& provider, const RunOptions& options);

} // namespace nixdrill::engine
