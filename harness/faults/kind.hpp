///@file One kind of fault behind one interface (each in harness/faults/kinds/<kind>.cpp), and the
/// catalogue of them all.
#pragma once

#include "faults/fault.hpp"
#include "model/scenario.hpp"
#include "scenario/json_reader.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::faults {

/// What a fault does to the backup job's run beyond what it put in place beforehand.
enum class JobEffect {
    None,     ///< the jobs run as usual with the fault in place
    Kill,     ///< restic is SIGKILLed once it holds its lock and has written a pack
    PowerCut, ///< the domain is destroyed at that moment and booted again
};

/// What of a scenario decides whether a fault applies to it (`run --faults`).
struct ScenarioFacts {
    std::size_t services = 0;       ///< enabled services
    bool handWritten = false;       ///< hand-written restic jobs
    bool markerHook = false;        ///< a service's preBackup tests preBackupMarker
    bool snapshotService = false;   ///< a service has backup.useSnapshots
    bool zfsPool = false;           ///< the drill has a ZFS pool (/drill/zfs)
    unsigned repositoryDiskMiB = 0; ///< the drill's small repository disk (0: none)
    bool resticJobs = true;         ///< the scenario has /backup (a drill of container backups alone has not)
    /// One service and no hand-written jobs: the one job that a per-job fault acts on.
    bool singleJob() const { return services == 1 && !handWritten; }
};

/// One fault of the catalogue: how a scenario declares it, where it applies, what it is
/// expected to lead to, and how it is put into a guest. A new kind is one file in kinds/ and one
/// line in kinds.hpp and catalogue.cpp; nothing else knows kinds by name.
class FaultKind {
public:
    virtual ~FaultKind() = default;
    /// Its name in scenarios, reports and `--faults` ("kill-mid-backup").
    virtual std::string_view name() const = 0;
    /// true: a backup step's fault, in place for the length of that backup; false: an inject
    /// step's, put in between steps (and left there).
    virtual bool duringBackup() const { return true; }
    /// Keys of its scenario object besides kind and expect (clock-jump: days).
    virtual std::vector<std::string> keys() const { return {}; }
    /// Its own parse-time checks and settings; fails through `r` (the fault's pointer is `p`).
    virtual void parse(const scenario::JsonReader& r, const nlohmann::ordered_json& f, const std::string& p,
                       const model::Drill& drill, model::Fault& fault) const;
    virtual JobEffect jobEffect() const { return JobEffect::None; }
    /// Once injected the backed-up data cannot be read: the backup's manifest is taken first.
    virtual bool hidesData() const { return false; }
    /// Its outcome is declared per job (it acts on one job's run), so `--faults` applies it only
    /// to single-job scenarios.
    virtual bool perJob() const { return true; }
    /// Why `--faults` cannot apply it to a scenario with these facts (perJob aside), or nothing.
    virtual std::optional<std::string> whyNotApplicable(const ScenarioFacts&) const { return std::nullopt; }
    /// What the catalogue expects it to lead to when a scenario does not say.
    virtual model::FaultExpect defaultExpectation() const = 0;
    /// The drill of its `--faults` variant: steps around the fault (a backup between two good
    /// ones with restores around it, or an inject after a backup), replacing the drill's own.
    virtual void planVariant(model::Drill& drill, const model::Fault& fault, std::size_t services) const;
    /// Puts the fault into `target`; which file and which byte are chosen from `seed`.
    /// @throws guest::CommandFailed when the guest cannot be changed, and what Guest::exec throws.
    virtual Injected inject(guest::Guest& guest, const model::Fault& fault, const Target& target, std::uint64_t seed,
                            const std::string& otherSecret, std::chrono::milliseconds timeout) const = 0;
};

/// Every kind, in catalogue order (docs/drill-format.md, "Faults").
const std::vector<const FaultKind*>& faultKinds();
/// The kind of a catalogue name, or nullptr.
const FaultKind* faultKindNamed(std::string_view name);
/// The kind of a parsed fault. @throws util::InputError for a name not in the catalogue.
const FaultKind& kindOf(const model::Fault& fault);
/// "wrong-password, repository-missing, ...": every kind, for messages.
std::string knownFaultKinds();

} // namespace nixdrill::faults
