///@file What the drill parser asks of the step families, which implement it (engine/steps): the
/// step kinds each runs, the keys it reads on a step, and its parse-time rules. The parser knows
/// no step kind; it checks what every step shares and asks the families for the rest.
#pragma once

#include "model/scenario.hpp"
#include "scenario/json_reader.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::scenario {

/// What the steps before this one did, for rules about order.
struct StepHistory {
    unsigned backups = 0; ///< backup steps before this one
    /// What a family records for later steps' rules (e.g. "pg-pitr-mark": the backups before it).
    std::map<std::string, unsigned> marks;
};

/// One step being parsed.
struct StepInput {
    const JsonReader& reader;
    const nlohmann::ordered_json& json; ///< the step's object
    const std::string& pointer;         ///< "/drill/steps/N"
    const model::Drill& drill;          ///< the drill's settings (its steps so far)
    StepHistory& history;
};

class StepSyntax {
public:
    virtual ~StepSyntax() = default;

    /// Its name in docs and messages ("postgres").
    virtual std::string_view name() const = 0;
    /// The step kinds (actions) it runs, e.g. {"pg-seed", "pg-drop"}.
    virtual std::vector<std::string> actions() const { return {}; }
    /// The keys it reads on a step of `action`, beyond action, name and retries: its own kinds'
    /// and those it adds to other kinds (a backup step's fault, pgWriter, fileWriter).
    virtual std::vector<std::string> keysOf(const std::string& action) const {
        (void)action;
        return {};
    }
    /// Whether a step of its kind `action` repeats cleanly and so may have `retries`.
    virtual bool retryable(const std::string& action) const {
        (void)action;
        return false;
    }
    /// Whether a step it runs is a backup (what later steps' snapshot numbers count).
    virtual bool makesBackup(const model::DrillStep& step) const {
        (void)step;
        return false;
    }
    /// Reads its keys of the step into `step` and checks its rules; called for every step (its
    /// action already checked), family by family in registry order, so a rule may look at what
    /// an earlier family read. Fails through in.reader.fail().
    virtual void parseStep(const StepInput& in, model::DrillStep& step) const {
        (void)in;
        (void)step;
    }
};

/// The families' syntax, in registry order.
using StepCatalogue = std::vector<const StepSyntax*>;

/// A step's reference to a backup: "latest" or the 1-based number of an earlier backup step.
std::string snapshotRef(const StepInput& in, const char* key);

} // namespace nixdrill::scenario
