///@file Parsing the `drill` section of a scenario.
#include "scenario/drill_parser.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <set>

namespace nixdrill::scenario {

using nlohmann::ordered_json;

namespace {

struct Reader {
    const std::string& file;

    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
        throw util::InputError(file + ": " + pointer + ": " + message);
    }
    void onlyKeys(const ordered_json& obj, const std::string& pointer, const std::set<std::string>& known) const {
        if (!obj.is_object()) {
            fail(pointer, std::string("expected an object, got a ") + obj.type_name());
        }
        for (const auto& [key, value] : obj.items()) {
            if (!known.contains(key)) {
                std::string list;
                for (const auto& k : known) {
                    list += (list.empty() ? "" : ", ") + k;
                }
                fail(pointer + "/" + util::escapePointerToken(key), "unknown key (known: " + list + ")");
            }
        }
    }
    unsigned number(const ordered_json& obj, const std::string& pointer, const char* key, unsigned fallback,
                    unsigned min, unsigned max) const {
        if (!obj.contains(key)) {
            return fallback;
        }
        const auto& v = obj[key];
        std::string p = pointer + "/" + key;
        if (!v.is_number_integer()) {
            fail(p, std::string("expected an integer, got a ") + v.type_name());
        }
        // Above LLONG_MAX a value is unsigned: read as long long it would wrap and be reported as negative.
        auto n = v.is_number_unsigned() && v.get<std::uint64_t>() > max ? max + 1LL : v.get<long long>();
        if (n < min || n > max) {
            fail(p, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + v.dump());
        }
        return static_cast<unsigned>(n);
    }
    std::string string(const ordered_json& obj, const std::string& pointer, const char* key,
                       std::string fallback) const {
        if (!obj.contains(key)) {
            return fallback;
        }
        if (!obj[key].is_string()) {
            fail(pointer + "/" + key, std::string("expected a string, got a ") + obj[key].type_name());
        }
        return obj[key].get<std::string>();
    }
    bool boolean(const ordered_json& obj, const std::string& pointer, const char* key, bool fallback) const {
        if (!obj.contains(key)) {
            return fallback;
        }
        if (!obj[key].is_boolean()) {
            fail(pointer + "/" + key, std::string("expected a boolean, got a ") + obj[key].type_name());
        }
        return obj[key].get<bool>();
    }
};

const std::pair<const char*, model::StepAction> actions[] = {
    {"backup", model::StepAction::Backup},
    {"mutate", model::StepAction::Mutate},
    {"damage", model::StepAction::Damage},
    {"restore", model::StepAction::Restore},
    {"verify-repository", model::StepAction::VerifyRepository},
    {"check-metrics", model::StepAction::CheckMetrics},
    {"advance-clock", model::StepAction::AdvanceClock},
    {"inject", model::StepAction::Inject},
    {"pg-seed", model::StepAction::PgSeed},
    {"pg-drop", model::StepAction::PgDrop},
    {"pg-restore", model::StepAction::PgRestore},
    {"pg-dump-fails", model::StepAction::PgDumpFails},
    {"pg-pitr-mark", model::StepAction::PgPitrMark},
    {"pg-pitr-restore", model::StepAction::PgPitrRestore},
};

struct FaultInfo {
    const char* name;
    model::FaultKind kind;
    bool duringBackup; ///< true: on a backup step; false: a standalone inject step
};

const FaultInfo faultKinds[] = {
    {"wrong-password", model::FaultKind::WrongPassword, true},
    {"repository-missing", model::FaultKind::RepositoryMissing, true},
    {"pre-backup-hook-fails", model::FaultKind::PreBackupHookFails, true},
    {"bit-flip", model::FaultKind::BitFlip, false},
    {"delete-index", model::FaultKind::DeleteIndex, false},
    {"kill-mid-backup", model::FaultKind::KillMidBackup, true},
    {"power-loss", model::FaultKind::PowerLoss, true},
    {"repository-disk-full", model::FaultKind::DiskFull, true},
    {"unit-refuses-to-stop", model::FaultKind::UnitRefusesToStop, true},
    {"clock-jump", model::FaultKind::ClockJump, true},
    {"io-errors", model::FaultKind::IoErrors, true},
    {"zfs-stale-snapshot", model::FaultKind::ZfsStaleSnapshot, true},
    {"zfs-pool-full", model::FaultKind::ZfsPoolFull, true},
};

std::string knownFaultKinds() {
    std::string out;
    for (const auto& k : faultKinds) {
        out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
    return out;
}

const std::set<std::string> categories = {
    "ok",     "fatal",   "incomplete", "repository_missing", "locked",  "wrong_password", "interrupted",
    "killed", "timeout", "oom",        "prepare_failed",     "storage", "unknown"};

model::Fault parseFault(const Reader& r, const ordered_json& f, const std::string& p, model::StepAction action,
                        const model::Drill& drill) {
    r.onlyKeys(f, p, {"kind", "expect", "days"});
    auto kind = r.string(f, p, "kind", "");
    const FaultInfo* info = nullptr;
    for (const auto& k : faultKinds) {
        if (kind == k.name) {
            info = &k;
        }
    }
    if (info == nullptr) {
        r.fail(p + "/kind", "unknown fault kind \"" + kind + "\" (known: " + knownFaultKinds() + ")");
    }
    if (info->duringBackup && action != model::StepAction::Backup) {
        r.fail(p + "/kind", "fault \"" + kind + "\" is injected during a backup step, not an " +
                                std::string(toString(action)) + " step");
    }
    if (!info->duringBackup && action != model::StepAction::Inject) {
        r.fail(p + "/kind", "fault \"" + kind + "\" is injected by an inject step between steps");
    }
    model::Fault fault;
    fault.kind = info->kind;
    if (f.contains("days") && fault.kind != model::FaultKind::ClockJump) {
        r.fail(p + "/days", "only applies to the clock-jump fault");
    }
    if (fault.kind == model::FaultKind::ClockJump) {
        if (!f.contains("days")) {
            r.fail(p + "/days", "clock-jump needs how many days the clock jumps forward");
        }
        fault.days = r.number(f, p, "days", 0, 1, 36500);
    }
    if (fault.kind == model::FaultKind::PowerLoss && drill.repositoryDiskMiB > 0) {
        r.fail(p + "/kind", "power-loss cannot be combined with /drill/repositoryDiskMiB (the loop-mounted repository "
                            "disk is not mounted again at boot)");
    }
    if (fault.kind == model::FaultKind::DiskFull && drill.repositoryDiskMiB == 0) {
        r.fail(p + "/kind", "repository-disk-full needs a small repository disk: set /drill/repositoryDiskMiB");
    }
    if ((fault.kind == model::FaultKind::ZfsStaleSnapshot || fault.kind == model::FaultKind::ZfsPoolFull) &&
        !drill.zfs) {
        r.fail(p + "/kind", kind + " needs a ZFS pool: set /drill/zfs (and backup.useSnapshots on a service)");
    }
    if (!f.contains("expect")) {
        r.fail(p + "/expect", "a fault needs a declared expected outcome");
    }
    const auto& e = f["expect"];
    std::string ep = p + "/expect";
    if (info->duringBackup) {
        r.onlyKeys(e, ep,
                   {"category", "status", "lastSuccess", "unitsRunning", "snapshot", "repositoryUnchanged", "lockLeft",
                    "retentionHolds"});
    } else {
        r.onlyKeys(e, ep, {"checkDetects", "restoreFails"});
    }
    if (e.empty()) {
        r.fail(ep, "declare at least one expected outcome");
    }
    auto& x = fault.expect;
    if (e.contains("category")) {
        x.category = r.string(e, ep, "category", "");
        if (!categories.contains(*x.category)) {
            r.fail(ep + "/category", "unknown category \"" + *x.category + "\" (see docs/backup-module.md)");
        }
    }
    if (e.contains("status")) {
        x.status = static_cast<int>(r.number(e, ep, "status", 0, 0, 1));
    }
    if (e.contains("lastSuccess")) {
        x.lastSuccess = r.string(e, ep, "lastSuccess", "");
        if (*x.lastSuccess != "kept" && *x.lastSuccess != "advanced") {
            r.fail(ep + "/lastSuccess", "expected \"kept\" or \"advanced\"");
        }
    }
    auto flag = [&](const char* key, std::optional<bool>& out) {
        if (e.contains(key)) {
            out = r.boolean(e, ep, key, false);
        }
    };
    flag("unitsRunning", x.unitsRunning);
    flag("snapshot", x.snapshot);
    flag("repositoryUnchanged", x.repositoryUnchanged);
    flag("checkDetects", x.checkDetects);
    flag("restoreFails", x.restoreFails);
    flag("lockLeft", x.lockLeft);
    flag("retentionHolds", x.retentionHolds);
    return fault;
}

bool isDatasetName(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.back() == '/' || name.find("//") != std::string::npos) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  c == '.' || c == ':' || c == '/';
        if (!ok) {
            return false;
        }
    }
    return true;
}

model::ZfsPool parseZfs(const Reader& r, const ordered_json& z, const std::string& p) {
    r.onlyKeys(z, p, {"pool", "sizeMiB", "datasets"});
    model::ZfsPool pool;
    pool.pool = r.string(z, p, "pool", pool.pool);
    if (!isDatasetName(pool.pool) || pool.pool.find('/') != std::string::npos) {
        r.fail(p + "/pool", "\"" + pool.pool + "\" is not a pool name (letters, digits, _-.:)");
    }
    // 64 MiB is ZFS's smallest vdev.
    pool.sizeMiB = r.number(z, p, "sizeMiB", pool.sizeMiB, 64, 65536);
    if (z.contains("datasets")) {
        const auto& list = z["datasets"];
        if (!list.is_array()) {
            r.fail(p + "/datasets", "expected a list of dataset names");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string dp = p + "/datasets/" + std::to_string(i);
            if (!list[i].is_string()) {
                r.fail(dp, "expected a dataset name");
            }
            auto name = list[i].get<std::string>();
            if (!isDatasetName(name) || name.rfind(pool.pool + "/", 0) != 0) {
                r.fail(dp, "\"" + name + "\" is not a dataset of pool " + pool.pool + " (" + pool.pool + "/<name>)");
            }
            pool.datasets.push_back(name);
        }
    }
    return pool;
}

} // namespace

std::string_view toString(model::FaultKind kind) noexcept {
    for (const auto& k : faultKinds) {
        if (k.kind == kind) {
            return k.name;
        }
    }
    return "unknown";
}

std::string_view toString(model::StepAction action) noexcept {
    for (const auto& [name, a] : actions) {
        if (a == action) {
            return name;
        }
    }
    return "unknown";
}

model::Drill parseDrill(const ordered_json& section, const std::string& file) {
    Reader r{file};
    const std::string base = "/drill";
    r.onlyKeys(
        section, base,
        {"guest", "seed", "memoryMiB", "vcpus", "data", "steps", "timeouts", "repositoryDiskMiB", "network", "zfs"});
    model::Drill d;
    d.guest = r.string(section, base, "guest", d.guest);
    if (d.guest != "debian" && d.guest != "nixos") {
        r.fail(base + "/guest", "unknown guest kind \"" + d.guest + "\" (known: debian, nixos)");
    }
    if (section.contains("seed")) {
        if (!section["seed"].is_number_unsigned()) {
            r.fail(base + "/seed", "expected a non-negative integer");
        }
        d.seed = section["seed"].get<std::uint64_t>();
    }
    d.memoryMiB = r.number(section, base, "memoryMiB", d.memoryMiB, 256, 16384);
    d.vcpus = r.number(section, base, "vcpus", d.vcpus, 1, 16);
    d.repositoryDiskMiB = r.number(section, base, "repositoryDiskMiB", 0, 16, 65536);
    d.network = r.boolean(section, base, "network", false);
    if (section.contains("zfs")) {
        d.zfs = parseZfs(r, section["zfs"], base + "/zfs");
        if (d.guest != "debian") {
            r.fail(base + "/zfs", "a ZFS pool needs the Debian guest (its systemd-zfs image), not \"" + d.guest + "\"");
        }
    }

    if (section.contains("timeouts")) {
        const auto& t = section["timeouts"];
        r.onlyKeys(t, base + "/timeouts", {"boot", "step", "drill"});
        d.bootTimeoutSeconds = r.number(t, base + "/timeouts", "boot", d.bootTimeoutSeconds, 5, 3600);
        d.stepTimeoutSeconds = r.number(t, base + "/timeouts", "step", d.stepTimeoutSeconds, 5, 7200);
        d.drillTimeoutSeconds = r.number(t, base + "/timeouts", "drill", 0, 10, 86400);
    }

    if (section.contains("data")) {
        if (!section["data"].is_object()) {
            r.fail(base + "/data", "expected an object of seed data by service");
        }
        for (const auto& [service, spec] : section["data"].items()) {
            std::string p = base + "/data/" + util::escapePointerToken(service);
            r.onlyKeys(spec, p, {"files", "maxFileSize", "depth", "symlinks", "nonAscii"});
            model::SeedData s;
            s.files = r.number(spec, p, "files", s.files, 0, 100000);
            s.maxFileSize = r.number(spec, p, "maxFileSize", s.maxFileSize, 0, 256u * 1024 * 1024);
            s.depth = r.number(spec, p, "depth", s.depth, 0, 32);
            s.symlinks = r.number(spec, p, "symlinks", s.symlinks, 0, 10000);
            s.nonAscii = r.boolean(spec, p, "nonAscii", s.nonAscii);
            d.data[service] = s;
        }
    }

    if (!section.contains("steps") || !section["steps"].is_array() || section["steps"].empty()) {
        r.fail(base + "/steps", "a drill needs a non-empty list of steps");
    }
    unsigned backups = 0;
    std::optional<unsigned> backupsAtMark; // backups before the pg-pitr-mark step
    const auto& steps = section["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
        std::string p = base + "/steps/" + std::to_string(i);
        const auto& s = steps[i];
        r.onlyKeys(s, p,
                   {"action", "name", "snapshot", "inPlace", "readDataSubset", "days", "fault", "rows", "pgWriter",
                    "fileWriter", "retries"});
        auto action = r.string(s, p, "action", "");
        model::DrillStep step;
        bool found = false;
        for (const auto& [name, a] : actions) {
            if (action == name) {
                step.action = a;
                found = true;
            }
        }
        if (!found) {
            r.fail(p + "/action",
                   "unknown action \"" + action +
                       "\" (known: backup, mutate, damage, restore, verify-repository, check-metrics, "
                       "advance-clock, inject, pg-seed, pg-drop, pg-restore, pg-dump-fails, pg-pitr-mark, "
                       "pg-pitr-restore)");
        }
        auto onlyFor = [&](const char* key, model::StepAction a) {
            if (s.contains(key) && step.action != a) {
                r.fail(p + "/" + key, std::string("only applies to ") + std::string(toString(a)) + " steps");
            }
        };
        if (s.contains("snapshot") && step.action != model::StepAction::Restore &&
            step.action != model::StepAction::PgRestore && step.action != model::StepAction::PgPitrRestore) {
            r.fail(p + "/snapshot", "only applies to restore, pg-restore and pg-pitr-restore steps");
        }
        onlyFor("inPlace", model::StepAction::Restore);
        onlyFor("readDataSubset", model::StepAction::VerifyRepository);
        onlyFor("days", model::StepAction::AdvanceClock);
        onlyFor("rows", model::StepAction::PgSeed);
        onlyFor("pgWriter", model::StepAction::Backup);
        onlyFor("fileWriter", model::StepAction::Backup);
        if (s.contains("fault")) {
            if (step.action != model::StepAction::Backup && step.action != model::StepAction::Inject) {
                r.fail(p + "/fault", "only backup and inject steps carry a fault");
            }
            step.fault = parseFault(r, s["fault"], p + "/fault", step.action, d);
        } else if (step.action == model::StepAction::Inject) {
            r.fail(p + "/fault", "an inject step needs a fault");
        }
        step.days = r.number(s, p, "days", 1, 1, 3650);
        step.rows = r.number(s, p, "rows", step.rows, 1, 10000000);
        step.pgWriter = r.boolean(s, p, "pgWriter", false);
        step.fileWriter = r.boolean(s, p, "fileWriter", false);
        if (step.fileWriter && !d.zfs) {
            // Its invariant is what tells a snapshot's one point in time from a torn copy.
            r.fail(p + "/fileWriter", "the file writer belongs to ZFS drills: set /drill/zfs");
        }
        if (step.fileWriter && step.fault) {
            r.fail(p + "/fileWriter", "a backup step with a fault runs no writer");
        }
        if (d.zfs && r.boolean(s, p, "inPlace", false)) {
            // A snapshot job's restic snapshot holds .zfs/snapshot/<name>/ paths; the drill maps them
            // back in a scratch directory only.
            r.fail(p + "/inPlace", "in-place restores are not supported in ZFS drills (/drill/zfs)");
        }
        if (step.pgWriter && step.fault) {
            // A faulty backup checks the fault's outcome only; the writer's window would go unchecked.
            r.fail(p + "/pgWriter", "a backup step with a fault runs no writer");
        }
        step.name = r.string(s, p, "name",
                             std::to_string(i + 1) + "-" +
                                 (step.fault ? "fault-" + std::string(toString(step.fault->kind)) : action));
        if (s.contains("retries")) {
            // Only steps that repeat cleanly: they read the repository or rewrite their own target.
            // A repeated backup would add snapshots, a repeated fault would blur its declared outcome.
            bool retryable = !s.contains("fault") && (step.action == model::StepAction::Restore ||
                                                      step.action == model::StepAction::VerifyRepository ||
                                                      step.action == model::StepAction::CheckMetrics);
            if (!retryable) {
                r.fail(p + "/retries", "only restore, verify-repository and check-metrics steps may be retried");
            }
            step.retries = r.number(s, p, "retries", 0, 0, 3);
        }
        step.inPlace = r.boolean(s, p, "inPlace", false);
        step.readDataSubset = r.string(s, p, "readDataSubset", "");
        if (s.contains("snapshot")) {
            const auto& snap = s["snapshot"];
            if (snap.is_string() && snap == "latest") {
                step.snapshot = "latest";
            } else if (snap.is_number_unsigned() && snap.get<unsigned long long>() >= 1 &&
                       snap.get<unsigned long long>() <= backups) {
                step.snapshot = std::to_string(snap.get<unsigned long long>());
            } else {
                r.fail(p + "/snapshot", "expected \"latest\" or the number (1-" + std::to_string(backups) +
                                            ") of a backup step before this one");
            }
        }
        if ((step.action == model::StepAction::Restore || step.action == model::StepAction::PgRestore) &&
            backups == 0) {
            r.fail(p, "a restore needs a backup step before it");
        }
        // Point in time: the base backup, the marks, then a backup that ships their WAL.
        if (step.action == model::StepAction::PgPitrMark) {
            if (backups == 0) {
                r.fail(p, "pg-pitr-mark needs a backup step before it (pgBackRest's base backup)");
            }
            backupsAtMark = backups;
        }
        if (step.action == model::StepAction::PgPitrRestore) {
            if (!backupsAtMark) {
                r.fail(p, "pg-pitr-restore needs a pg-pitr-mark step before it");
            }
            auto from = step.snapshot == "latest" ? backups : std::stoul(step.snapshot);
            if (from <= *backupsAtMark) {
                r.fail(p, "pg-pitr-restore needs a backup step between pg-pitr-mark and it (the backup that ships "
                          "the archived WAL), and restores from it");
            }
        }
        backups += step.action == model::StepAction::Backup;
        d.steps.push_back(std::move(step));
    }
    return d;
}

} // namespace nixdrill::scenario
