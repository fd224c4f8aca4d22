///@file containers: the container backups (nix/lib/container.nix) drilled against real podman
/// containers: each run proven to stop the containers that hold its data for the whole archiving
/// and start them again, to write one archive per destination with the rendered owner and mode,
/// holding what the containers left when they stopped, and to leave exactly what its retention
/// keeps; a restore into fresh volumes that the restarted container serves (docs/drill-format.md).
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/podman.hpp"
#include "engine/steps/steps.hpp"
#include "util/file.hpp"
#include "verify/archive_retention.hpp"
#include "verify/state_audit.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::fmt;
using guest::shellQuote;
using podman::ContainerFault;
using podman::Event;
using podman::extractCommand;
using podman::fillerName;
using podman::guestNow;
using podman::listDestination;
using podman::parseEvents;
using podman::servingProblems;
using podman::stateDir;
using podman::volumePath;
using podman::waitReady;

namespace {

/// One container backup's run: its archive and what it must hold.
struct Archive {
    std::string file;
    std::vector<std::string> destinations; ///< where it was written
    verify::Manifest manifest;             ///< what the archiver read: the data paths
    /// Each holding container's volumes as they were when the archiver read them: what the
    /// container must serve again after a restore, covered by the data paths or not.
    std::map<std::string, verify::Manifest> volumes;
};

class Containers final : public drill::StepFamily {
public:
    std::string_view name() const override { return "containers"; }
    std::vector<std::string> actions() const override { return {"container-backup", "container-restore"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        if (action == "container-backup") {
            return {"container", "containerFault", "destination"};
        }
        if (action == "container-restore") {
            return {"container", "archive", "destination"};
        }
        return {};
    }
    bool retryable(const std::string& action) const override { return action == "container-restore"; }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action != "container-backup" && step.action != "container-restore") {
            return;
        }
        auto only = in.reader.string(in.json, in.pointer, "container", "");
        in.reader.number(in.json, in.pointer, "destination", 0, 0, 64);
        unsigned& made = in.history.marks["container-backup"];
        if (step.action == "container-backup") {
            auto fault = in.reader.string(in.json, in.pointer, "containerFault", "");
            if (!fault.empty() && fault != "destination-full" && fault != "stop-refused") {
                in.reader.fail(in.pointer + "/containerFault",
                               "unknown container fault \"" + fault + "\" (known: destination-full, stop-refused)");
            }
            if (!fault.empty() && only.empty()) {
                in.reader.fail(in.pointer + "/container", "a container fault acts on one container backup: name it");
            }
            if (fault.empty() && in.json.contains("destination")) {
                in.reader.fail(in.pointer + "/destination", "only a destination-full fault takes a destination");
            }
            ++made;
            return;
        }
        if (made == 0) {
            in.reader.fail(in.pointer, "a container restore needs a container-backup step before it");
        }
        const auto& a = in.json.contains("archive") ? in.json["archive"] : nlohmann::ordered_json("latest");
        bool ok = (a.is_string() && a == "latest") ||
                  (a.is_number_unsigned() && a.get<unsigned long long>() >= 1 && a.get<unsigned long long>() <= made);
        if (!ok) {
            in.reader.fail(in.pointer + "/archive", "expected \"latest\" or the number (1-" + std::to_string(made) +
                                                        ") of a container-backup step before this one");
        }
    }
    bool runs(const model::DrillStep& step) const override {
        return step.action == "container-backup" || step.action == "container-restore";
    }

    void provision(DrillContext& ctx) override {
        if (ctx.drill.podman.empty() && ctx.plan.containers.empty()) {
            return;
        }
        podman::install(ctx);
        makeAccounts(ctx);
        makeSmallDestinations(ctx);
    }

    void afterProvision(DrillContext& ctx) override {
        if (ctx.plan.containers.empty() && ctx.drill.podman.empty()) {
            return;
        }
        seed(ctx);
        if (ctx.drill.podman.empty()) {
            return;
        }
        auto& m = ctx.client();
        std::string units;
        for (const auto& c : ctx.drill.podman) {
            units += " " + shellQuote(c.unit());
        }
        m.must("systemctl daemon-reload && systemctl enable --quiet" + units);
        auto t0 = std::chrono::steady_clock::now();
        m.must("systemctl start" + units);
        std::vector<std::string> problems;
        for (const auto& c : ctx.drill.podman) {
            waitReady(ctx, c, problems);
        }
        if (!problems.empty()) {
            throw util::SystemError("the drill's containers did not come up:\n" + drill::joinLines(problems));
        }
        ctx.note("started" + units + " in " + fmt(secondsSince(t0)) + " s");
        // The serving check passes on the live containers, so that a later failure is the restore's.
        for (const auto& c : ctx.drill.podman) {
            if (c.httpPort != 0) {
                auto live = drill::manifestOf(m, "/", {volumePath(c.httpVolume)});
                auto bad = servingProblems(ctx, c, live.entries);
                if (!bad.empty()) {
                    throw util::SystemError("container " + c.name + " does not serve its seeded files:\n" +
                                            drill::joinLines(bad));
                }
            }
        }
    }

    void run(DrillContext& ctx, const model::DrillStep& step) override {
        if (ctx.plan.containers.empty()) {
            throw util::InputError("drill: a " + step.action + " step needs an enabled container backup (/containers)");
        }
        auto chosen = selected(ctx, step);
        if (step.action == "container-backup") {
            ++number_;
            std::vector<std::string> failures;
            for (const auto* cb : chosen) {
                backup(ctx, *cb, step, failures);
            }
            drill::failIfAny(failures);
            return;
        }
        restore(ctx, step, chosen);
    }

private:
    static double secondsSince(std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    /// A destination that a destination-full fault fills lives on its own small file system
    /// (a loop device), so that filling it does not fill the guest's root.
    static void makeSmallDestinations(DrillContext& ctx) {
        std::set<std::string> done;
        for (const auto& step : ctx.drill.steps) {
            if (step.action != "container-backup" || step.params.value("containerFault", "") != "destination-full") {
                continue;
            }
            auto name = step.params.value("container", "");
            auto it = std::find_if(ctx.plan.containers.begin(), ctx.plan.containers.end(),
                                   [&](const auto& cb) { return cb.name == name; });
            std::size_t index = step.params.value("destination", 0U);
            if (it == ctx.plan.containers.end() || index >= it->destinations.size()) {
                throw util::InputError("/drill/steps: " + step.name + ": no destination " + std::to_string(index) +
                                       " of an enabled container backup \"" + name + "\"");
            }
            const auto& dest = it->destinations[index];
            if (!done.insert(dest).second) {
                continue;
            }
            std::string img = "/var/lib/nixdrill-disks/destination-" + std::to_string(done.size()) + ".img";
            ctx.client().must("set -e; mkdir -p /var/lib/nixdrill-disks " + shellQuote(dest) + "; truncate -s 16M " +
                              img + "; mkfs.ext4 -q -F -m 0 " + img + "; mount -o loop " + img + " " +
                              shellQuote(dest) + "; rmdir " + shellQuote(dest + "/lost+found"));
            ctx.note("destination " + dest + " on its own 16 MiB file system (" + img + "), for destination-full");
        }
    }

    /// The archives' owners exist on a real host (its users are declared); here they are made.
    static void makeAccounts(DrillContext& ctx) {
        for (const auto& cb : ctx.plan.containers) {
            auto colon = cb.owner.find(':');
            std::string user = cb.owner.substr(0, colon);
            std::string group = colon == std::string::npos ? user : cb.owner.substr(colon + 1);
            ctx.client().must("getent group " + shellQuote(group) + " >/dev/null || groupadd --system " +
                              shellQuote(group) + "; getent passwd " + shellQuote(user) +
                              " >/dev/null || useradd --system -M -N -g " + shellQuote(group) +
                              " -s /usr/sbin/nologin " + shellQuote(user));
        }
    }

    /// Seeds every container backup's data paths (drill.data.<name>), as provisioning seeds the
    /// jobs'; podman's volumes exist by now.
    static void seed(DrillContext& ctx) {
        std::vector<verify::SeedEntry> all;
        for (const auto& cb : ctx.plan.containers) {
            model::SeedData spec;
            if (auto it = ctx.drill.data.find(cb.name); it != ctx.drill.data.end()) {
                spec = it->second;
            }
            verify::SeedSpec s{spec.files, spec.maxFileSize, spec.depth, spec.symlinks, spec.nonAscii, {}};
            for (const auto& path : cb.dataPaths) {
                auto entries = verify::planSeed(path, s, ctx.drill.seed);
                all.insert(all.end(), entries.begin(), entries.end());
            }
        }
        if (!all.empty()) {
            drill::unpackSeed(ctx, all);
        }
        ctx.note("seeded " + std::to_string(all.size()) + " entries of " + std::to_string(ctx.plan.containers.size()) +
                 " container backup(s) from seed " + std::to_string(ctx.drill.seed));
    }

    std::vector<const DrillContainerBackup*> selected(DrillContext& ctx, const model::DrillStep& step) const {
        std::string only = step.params.value("container", "");
        std::vector<const DrillContainerBackup*> out;
        for (const auto& cb : ctx.plan.containers) {
            if (only.empty() || cb.name == only) {
                out.push_back(&cb);
            }
        }
        if (out.empty()) {
            throw util::InputError("/drill/steps: " + step.name + ": no enabled container backup named \"" + only +
                                   "\"");
        }
        return out;
    }

    static bool holdsData(const DrillContainerBackup& cb, const std::string& volume) {
        return std::any_of(cb.dataPaths.begin(), cb.dataPaths.end(),
                           [&](const std::string& p) { return verify::isUnder(p, volumePath(volume)); });
    }

    /// The drill's containers whose volumes hold one of the backup's data paths.
    static std::vector<const model::PodmanContainer*> holders(DrillContext& ctx, const DrillContainerBackup& cb) {
        std::vector<const model::PodmanContainer*> out;
        for (const auto& c : ctx.drill.podman) {
            bool holds =
                std::any_of(c.volumes.begin(), c.volumes.end(), [&](const auto& v) { return holdsData(cb, v.first); });
            if (holds) {
                out.push_back(&c);
            }
        }
        return out;
    }

    void backup(DrillContext& ctx, const DrillContainerBackup& cb, const model::DrillStep& step,
                std::vector<std::string>& failures);
    void judgeRefused(DrillContext& ctx, const DrillContainerBackup& cb, const guest::ExecResult& r,
                      const std::vector<std::vector<std::string>>& before, std::vector<std::string>& failures);
    std::string newArchive(DrillContext& ctx, const DrillContainerBackup& cb,
                           const std::vector<std::vector<std::string>>& before, const std::string& full,
                           std::vector<std::string>& failures);
    void judgeStops(DrillContext& ctx, const DrillContainerBackup& cb, std::vector<std::string>& failures);
    static void readWhatWasRead(DrillContext& ctx, const DrillContainerBackup& cb, Archive& a);
    void judgeDestinations(DrillContext& ctx, const DrillContainerBackup& cb, const std::string& file,
                           const std::string& full, std::vector<std::string>& failures);
    void judgeArchive(DrillContext& ctx, const DrillContainerBackup& cb, const Archive& a, const std::string& full,
                      std::vector<std::string>& failures);
    const Archive* archiveFor(const model::DrillStep& step, const DrillContainerBackup& cb, std::string& file);
    static std::set<std::string> unpackIntoFreshVolumes(DrillContext& ctx, const DrillContainerBackup& cb,
                                                        const std::string& file);
    void restore(DrillContext& ctx, const model::DrillStep& step,
                 const std::vector<const DrillContainerBackup*>& chosen);

    unsigned number_ = 0; ///< container-backup steps run
    /// The archive each container backup wrote, by container-backup step number and name.
    std::map<unsigned, std::map<std::string, Archive>> archives_;
    /// What each destination of each backup was given, in order, by backup name then destination.
    std::map<std::string, std::map<std::string, std::vector<verify::ArchiveRun>>> runs_;
};

void Containers::backup(DrillContext& ctx, const DrillContainerBackup& cb, const model::DrillStep& step,
                        std::vector<std::string>& failures) {
    auto& m = ctx.client();
    std::string prefix = cb.name + ": ";
    std::string faultKind = step.params.value("containerFault", "");
    std::size_t faultIndex = step.params.value("destination", 0U);
    if (faultIndex >= cb.destinations.size()) {
        throw util::InputError("/drill/steps: " + step.name + "/destination: " + cb.name + " has " +
                               std::to_string(cb.destinations.size()) + " destination(s)");
    }
    std::string full = faultKind == "destination-full" ? cb.destinations[faultIndex] : "";
    Archive a;
    std::vector<std::string> units;
    for (const auto* c : holders(ctx, cb)) {
        std::vector<std::string> roots;
        for (const auto& v : c->volumes) {
            roots.push_back(volumePath(v.first));
        }
        a.volumes[c->name] = drill::manifestOf(m, "/", roots).entries; // replaced by the stop's listing
        units.push_back(c->unit());
    }
    a.manifest = drill::manifestOf(m, "/", cb.dataPaths).entries;
    m.must(std::string("rm -f ") + stateDir + "/*.events " + stateDir + "/*.manifest " + stateDir + "/" +
           shellQuote(cb.name) + ".archiver");
    std::vector<std::vector<std::string>> before;
    for (const auto& d : cb.destinations) {
        before.push_back(listDestination(ctx, d));
    }
    guest::ExecResult r;
    double startedAt = 0;
    double endedAt = 0;
    {
        std::optional<ContainerFault> fault;
        if (!faultKind.empty()) {
            fault.emplace(ctx, faultKind, full, faultKind == "stop-refused" ? units : std::vector<std::string>{});
        }
        startedAt = guestNow(ctx);
        r = m.sh("systemctl start " + shellQuote(cb.unit));
        endedAt = guestNow(ctx);
        ctx.note(prefix + "systemctl start " + cb.unit + " exited " + std::to_string(r.exitCode) + " after " +
                 fmt(endedAt - startedAt) + " s");
        if (faultKind == "stop-refused") {
            judgeRefused(ctx, cb, r, before, failures);
            return;
        }
    }
    if (!full.empty()) {
        // The full destination must fail the run, and no other.
        if (r.succeeded()) {
            failures.push_back(prefix + cb.unit + " succeeded although " + full + " was full");
        }
        before[faultIndex].clear(); // what it held stays (checked by retention below)
    } else if (!r.succeeded()) {
        failures.push_back(prefix + cb.unit + " failed: " +
                           ctx.redactor.apply(m.sh("journalctl --no-pager -n 20 -u " + shellQuote(cb.unit)).out));
        return;
    }
    judgeStops(ctx, cb, failures);
    if (!full.empty() && cb.destinations.size() == 1) {
        judgeDestinations(ctx, cb, "", full, failures); // nowhere else to go: nothing new anywhere
        return;
    }
    auto file = newArchive(ctx, cb, before, full, failures);
    if (file.empty()) {
        return;
    }
    a.file = file;
    readWhatWasRead(ctx, cb, a);
    for (const auto& d : cb.destinations) {
        if (d != full) {
            runs_[cb.name][d].push_back({a.file, endedAt, endedAt}); // within the run: seconds; the margin is minutes
            a.destinations.push_back(d);
        }
    }
    judgeDestinations(ctx, cb, a.file, full, failures);
    judgeArchive(ctx, cb, a, full, failures);
    archives_[number_][cb.name] = std::move(a);
}

/// The one new file, the same in every destination but a full one ("" when not: a failure).
std::string Containers::newArchive(DrillContext& ctx, const DrillContainerBackup& cb,
                                   const std::vector<std::vector<std::string>>& before, const std::string& full,
                                   std::vector<std::string>& failures) {
    std::set<std::string> made;
    for (std::size_t i = 0; i < cb.destinations.size(); ++i) {
        if (cb.destinations[i] == full) {
            continue;
        }
        for (const auto& f : listDestination(ctx, cb.destinations[i])) {
            if (!std::binary_search(before[i].begin(), before[i].end(), f)) {
                made.insert(f);
            }
        }
    }
    static const std::regex name("(.+)-backup-[0-9]{8}-[0-9]{6}\\.(tar\\.gz|tar\\.xz|tar\\.bz2|zip)");
    std::smatch sm;
    if (made.size() != 1 || !std::regex_match(*made.begin(), sm, name) || sm[1] != cb.name || sm[2] != cb.format) {
        std::string list;
        for (const auto& f : made) {
            list += " " + f;
        }
        failures.push_back(cb.name + ": expected one new archive " + cb.name + "-backup-<UTC time>." + cb.format +
                           " in the destinations, found" + (list.empty() ? " none" : list));
        return "";
    }
    return *made.begin();
}

/// The containers' units refused the stop: the script must give up before archiving, leave
/// every destination as it was and the containers running.
void Containers::judgeRefused(DrillContext& ctx, const DrillContainerBackup& cb, const guest::ExecResult& r,
                              const std::vector<std::vector<std::string>>& before, std::vector<std::string>& failures) {
    auto& m = ctx.client();
    std::string prefix = cb.name + ": ";
    if (r.succeeded()) {
        failures.push_back(prefix + cb.unit + " succeeded although its containers refused to stop");
    }
    if (m.sh(std::string("test -s ") + stateDir + "/" + shellQuote(cb.name) + ".archiver").succeeded()) {
        failures.push_back(prefix + "the archiver ran although the containers did not stop");
    }
    for (std::size_t i = 0; i < cb.destinations.size(); ++i) {
        if (listDestination(ctx, cb.destinations[i]) != before[i]) {
            failures.push_back(prefix + cb.destinations[i] + " changed although nothing was archived");
        }
    }
    for (const auto* c : holders(ctx, cb)) {
        if (m.activeState(c->unit()) != "active") {
            failures.push_back(prefix + c->unit() + " is " + m.activeState(c->unit()) + " after the refused stop");
        }
    }
    ctx.note(prefix + "refused stop: " + std::to_string(failures.size()) + " problem(s); journal:\n" +
             ctx.redactor.apply(m.sh("journalctl --no-pager -n 8 -u " + shellQuote(cb.unit)).out));
}

void Containers::judgeStops(DrillContext& ctx, const DrillContainerBackup& cb, std::vector<std::string>& failures) {
    auto& m = ctx.client();
    auto log = parseEvents(m.sh(std::string("cat ") + stateDir + "/" + shellQuote(cb.name) + ".archiver").out);
    double begin = -1;
    double end = -1;
    for (const auto& e : log) {
        begin = e.what == "begin" && begin < 0 ? e.at : begin;
        end = e.what == "end" ? e.at : end;
    }
    if (begin < 0 || end < begin) {
        throw util::SystemError(cb.name + ": the archiver's log (the drill's tar/zip shim) has no run");
    }
    for (const auto* c : holders(ctx, cb)) {
        auto events = parseEvents(m.sh(std::string("cat ") + stateDir + "/" + shellQuote(c->name) + ".events").out);
        const Event* lastBefore = nullptr;
        bool startedDuring = false;
        double restartedAt = -1;
        for (const auto& e : events) {
            lastBefore = e.at <= begin ? &e : lastBefore;
            startedDuring = startedDuring || (e.what == "start" && e.at > begin && e.at < end);
            restartedAt = restartedAt < 0 && e.what == "start" && e.at >= end ? e.at : restartedAt;
        }
        bool startedAfter = restartedAt >= 0;
        std::string who = c->unit() + " (container " + c->name + ", whose volumes hold the data)";
        if (lastBefore == nullptr || lastBefore->what != "stop" || startedDuring) {
            failures.push_back(cb.name + ": " + who + " was running while the archiver read the data (" +
                               fmt(end - begin) + " s): the backup did not stop it (its serviceName is " +
                               cb.serviceName + ")");
        } else if (!startedAfter) {
            failures.push_back(cb.name + ": " + who + " was not started again after the archive was made");
        } else {
            ctx.note(cb.name + ": " + c->unit() + " stopped " + fmt(begin - lastBefore->at) +
                     " s before the archiver began, started again " + fmt(restartedAt - end) + " s after it ended");
        }
        // The unit is active once `podman run` started (Type=simple); the container comes up after.
        std::vector<std::string> down;
        waitReady(ctx, *c, down);
        auto running = m.sh("podman container inspect -f '{{.State.Running}}' " + shellQuote(c->name)).out;
        if (!down.empty() || running.find("true") == std::string::npos) {
            failures.push_back(cb.name + ": " + who + " is not running after the backup (podman: " +
                               drill::trimmed(running) + ")" + (down.empty() ? "" : ": " + down.front()));
        }
    }
    ctx.note(cb.name + ": the archiver ran " + fmt(end - begin) + " s");
}

void Containers::readWhatWasRead(DrillContext& ctx, const DrillContainerBackup& cb, Archive& a) {
    // Data in a container's volumes: the listing its unit's ExecStopPost= took when it stopped
    // (a.manifest and a.volumes hold the listings taken before the run, kept when it did not
    // stop: the step fails then anyway).
    for (const auto* c : holders(ctx, cb)) {
        auto r = ctx.client().sh(std::string("cat ") + stateDir + "/" + shellQuote(c->name) + ".manifest");
        if (!r.succeeded()) {
            continue;
        }
        auto stopped = verify::parseManifest(r.out).entries;
        for (auto it = a.manifest.begin(); it != a.manifest.end();) {
            bool inVolume = std::any_of(c->volumes.begin(), c->volumes.end(),
                                        [&](const auto& v) { return verify::isUnder(it->first, volumePath(v.first)); });
            it = inVolume ? a.manifest.erase(it) : std::next(it);
        }
        for (const auto& entry : stopped) {
            // A named reference, not a structured binding: clang 14 (the fuzz build) cannot capture bindings.
            const std::string& path = entry.first;
            bool covered = std::any_of(cb.dataPaths.begin(), cb.dataPaths.end(),
                                       [&](const std::string& p) { return verify::isUnder(path, p); });
            if (covered) {
                a.manifest[path] = entry.second;
            }
        }
        a.volumes[c->name] = std::move(stopped);
    }
}

void Containers::judgeDestinations(DrillContext& ctx, const DrillContainerBackup& cb, const std::string& file,
                                   const std::string& full, std::vector<std::string>& failures) {
    std::string owner = cb.owner;
    std::string mode = cb.fileMode.size() == 4 && cb.fileMode[0] == '0' ? cb.fileMode.substr(1) : cb.fileMode;
    std::string firstSha;
    std::size_t kept = 0;
    for (const auto& d : cb.destinations) {
        auto expected = verify::expectedArchives(runs_[cb.name][d], {cb.maxRetentionDays, cb.retentionSnapshots});
        if (!expected.undecidable.empty()) {
            throw util::SystemError(cb.name + ": " + expected.undecidable.front() +
                                    " was within 2 minutes of the age limit when retention ran: the drill cannot tell "
                                    "whether it should be kept (advance the clock by other days)");
        }
        kept = std::max(kept, expected.kept.size());
        auto present = listDestination(ctx, d);
        std::set<std::string> have(present.begin(), present.end());
        have.erase(fillerName);
        for (const auto& f : expected.kept) {
            if (!have.contains(f)) {
                failures.push_back(cb.name + ": " + d + " lacks " + f + " (its retention keeps it)");
            }
        }
        for (const auto& f : have) {
            if (!expected.kept.contains(f)) {
                failures.push_back(cb.name + ": " + d + " holds " + f + ", which retention (" +
                                   std::to_string(cb.maxRetentionDays) + " days, " +
                                   std::to_string(cb.retentionSnapshots) + " archives) should have removed");
            }
        }
        if (d == full) {
            continue; // nothing new: what it held is checked above
        }
        auto path = shellQuote(d + "/" + file);
        auto st = ctx.client().sh("stat -c '%U:%G %a' " + path + " && sha256sum < " + path).out;
        std::istringstream in(st);
        std::string gotOwner;
        std::string gotMode;
        std::string sha;
        in >> gotOwner >> gotMode >> sha;
        if (gotOwner != owner || gotMode != mode) {
            failures.push_back(cb.name + ": " + d + "/" + file + " is " + gotOwner + " " + gotMode + ", rendered " +
                               owner + " " + mode);
        }
        if (firstSha.empty()) {
            firstSha = sha;
        } else if (sha != firstSha) {
            failures.push_back(cb.name + ": " + d + "/" + file + " differs from the first copy");
        }
    }
    ctx.note(cb.name + ": " + file + " in " + std::to_string(cb.destinations.size() - (full.empty() ? 0 : 1)) +
             " destination(s)" + (full.empty() ? "" : " (not in the full " + full + ")") + ", holding up to " +
             std::to_string(kept) + " archive(s) as retention keeps");
}

void Containers::judgeArchive(DrillContext& ctx, const DrillContainerBackup& cb, const Archive& a,
                              const std::string& full, std::vector<std::string>& failures) {
    std::string scratch = "/var/tmp/nixdrill-archive/" + cb.name;
    const auto& from = cb.destinations.front() == full ? cb.destinations.back() : cb.destinations.front();
    ctx.client().must("rm -rf " + shellQuote(scratch) + " && mkdir -p " + shellQuote(scratch) + " && " +
                      extractCommand(cb.format, from + "/" + a.file, scratch));
    auto got = drill::manifestOf(ctx.client(), scratch, cb.dataPaths).entries;
    ctx.client().must("rm -rf " + shellQuote(scratch));
    auto differences = verify::compareManifests(a.manifest, got);
    ctx.note(cb.name + ": the archive holds " + std::to_string(got.size()) + " entries, " +
             std::to_string(a.manifest.size()) + " read, " + std::to_string(differences.size()) + " differences");
    for (std::size_t i = 0; i < differences.size() && i < 10; ++i) {
        const auto& d = differences[i];
        failures.push_back(cb.name + ": " + a.file + ": " + d.path + ": " + d.what +
                           (d.expected.empty() ? "" : " (read " + d.expected + ", archived " + d.actual + ")"));
    }
}

/// The archive a container-restore step names for a backup, and the file it is read from.
const Archive* Containers::archiveFor(const model::DrillStep& step, const DrillContainerBackup& cb, std::string& file) {
    auto ref = step.params.contains("archive") ? step.params["archive"] : nlohmann::ordered_json("latest");
    // latest: this backup's newest archive (a step may have run other backups only).
    unsigned number = ref.is_string() ? 0 : ref.get<unsigned>();
    for (unsigned n = number_; ref.is_string() && n > 0 && number == 0; --n) {
        number = archives_[n].contains(cb.name) ? n : 0;
    }
    auto it = archives_[number].find(cb.name);
    if (it == archives_[number].end()) {
        return nullptr;
    }
    // By default the first destination the archive went to (a full one got none).
    std::string dir = it->second.destinations.empty() ? "" : it->second.destinations.front();
    if (step.params.contains("destination")) {
        std::size_t index = step.params.value("destination", 0U);
        if (index >= cb.destinations.size()) {
            throw util::InputError("/drill/steps: " + step.name + "/destination: " + cb.name + " has " +
                                   std::to_string(cb.destinations.size()) + " destination(s)");
        }
        dir = cb.destinations[index];
    }
    file = dir + "/" + it->second.file;
    return &it->second;
}

/// A lost host's way back: the containers stopped, the volumes holding the data made anew
/// (empty), the archive unpacked where its paths say (relative to /), the containers started.
/// Returns those volumes. @throws drill::StepFailed when unpacking fails
std::set<std::string> Containers::unpackIntoFreshVolumes(DrillContext& ctx, const DrillContainerBackup& cb,
                                                         const std::string& file) {
    auto& m = ctx.client();
    std::string cmd = "set -e; ";
    std::string units;
    std::set<std::string> fresh;
    for (const auto* c : holders(ctx, cb)) {
        cmd += "systemctl stop " + shellQuote(c->unit()) + "; ";
        units += " " + shellQuote(c->unit());
        for (const auto& v : c->volumes) {
            if (holdsData(cb, v.first)) {
                fresh.insert(v.first);
                cmd += "podman volume rm -f " + shellQuote(v.first) + " >/dev/null; podman volume create " +
                       shellQuote(v.first) + " >/dev/null; ";
            }
        }
    }
    for (const auto& p : cb.dataPaths) {
        cmd += "rm -rf -- " + shellQuote(p) + "; ";
    }
    auto r = m.sh(cmd + extractCommand(cb.format, file, "/"));
    ctx.note(cb.name + ": restored " + file + " into fresh volumes (exit " + std::to_string(r.exitCode) + ")");
    if (!units.empty()) {
        m.sh("systemctl start" + units);
    }
    if (!r.succeeded()) {
        throw drill::StepFailed(cb.name + ": restoring " + file + " failed: " + ctx.redactor.apply(r.describe()));
    }
    return fresh;
}

void Containers::restore(DrillContext& ctx, const model::DrillStep& step,
                         const std::vector<const DrillContainerBackup*>& chosen) {
    auto& m = ctx.client();
    std::vector<model::Mismatch> mismatches;
    std::vector<std::string> problems;
    for (const auto* cb : chosen) {
        std::string file;
        const auto* archive = archiveFor(step, *cb, file);
        if (archive == nullptr) {
            problems.push_back(cb->name + ": no container-backup step made the archive to restore");
            continue;
        }
        auto t0 = std::chrono::steady_clock::now();
        auto fresh = unpackIntoFreshVolumes(ctx, *cb, file);
        auto who = holders(ctx, *cb);
        std::vector<std::string> notReady;
        for (const auto* c : who) {
            waitReady(ctx, *c, notReady);
        }
        if (!notReady.empty()) {
            problems.insert(problems.end(), notReady.begin(), notReady.end());
            continue;
        }
        ctx.caseProperties()["rto." + cb->name] = fmt(secondsSince(t0));
        if (ctx.options.afterRestore) {
            ctx.options.afterRestore(m.guest(), "/");
        }
        auto got = drill::manifestOf(m, "/", cb->dataPaths).entries;
        for (auto& mm : verify::toMismatches(verify::compareManifests(archive->manifest, got))) {
            mm.pointer = "/containers/" + cb->name + mm.pointer;
            mismatches.push_back(std::move(mm));
        }
        for (const auto* c : who) {
            // It serves again what it served when the backup read its volume.
            if (c->httpPort != 0 && fresh.contains(c->httpVolume)) {
                auto bad = servingProblems(ctx, *c, archive->volumes.at(c->name));
                problems.insert(problems.end(), bad.begin(), bad.end());
            }
        }
    }
    if (!problems.empty() || !mismatches.empty()) {
        throw drill::StepFailed(drill::joinLines(problems) + (problems.empty() ? "" : "\n") +
                                    std::to_string(mismatches.size()) +
                                    " difference(s) between the restored volumes and what the backup read",
                                std::move(mismatches));
    }
}

} // namespace

FamilyPtr containersFamily() {
    return std::make_unique<Containers>();
}

} // namespace nixdrill::engine::steps
