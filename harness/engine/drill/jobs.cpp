///@file What the step families ask of the rendered jobs in the client.
#include "engine/drill/jobs.hpp"

#include "guest/guest.hpp"
#include "util/file.hpp"

#include <algorithm>

namespace nixdrill::engine::drill {

using guest::shellQuote;

std::string resticEnv(const DrillJob& job) {
    std::string env = "export RESTIC_REPOSITORY=" + shellQuote(job.repository) +
                      " RESTIC_PASSWORD_FILE=" + shellQuote(job.passwordFile) +
                      " RESTIC_CACHE_DIR=/var/cache/nixdrill-restic; ";
    if (!job.environmentFile.empty()) {
        env += "set -a; . " + shellQuote(job.environmentFile) + "; set +a; ";
    }
    return env;
}

std::vector<std::string> dataPaths(const DrillJob& job) {
    std::vector<std::string> out;
    for (const auto& p : job.paths) {
        if (p != job.pgDumpDir && p != job.pgRepoPath) {
            out.push_back(p);
        }
    }
    return out;
}

std::size_t unpackSeed(DrillContext& ctx, const std::vector<verify::SeedEntry>& entries) {
    std::filesystem::path parent = ctx.options.hostScratch ? ctx.options.hostScratch() : "";
    util::TempDir dir("nixdrill-seed-", parent);
    auto tar = dir.path() / "seed.tar";
    verify::writeSeedArchive(entries, dir.path() / "root", tar);
    auto data = util::readFile(tar);
    auto& m = ctx.client();
    m.writeFile("/var/tmp/nixdrill-seed.tar", data);
    m.must("tar --numeric-owner -xpf /var/tmp/nixdrill-seed.tar -C / && rm -f /var/tmp/nixdrill-seed.tar");
    return data.size();
}

std::string serviceOf(const DrillJob& job) {
    if (!job.source.empty()) {
        return job.source;
    }
    return job.name.rfind("service-", 0) == 0 ? job.name.substr(8) : job.name;
}

std::vector<std::string> dataExcludes(const model::Drill& drill, const DrillJob& job) {
    auto it = drill.mutantExcludes.find(serviceOf(job));
    if (it == drill.mutantExcludes.end()) {
        return job.exclude;
    }
    std::vector<std::string> out;
    for (const auto& p : job.exclude) {
        if (std::find(it->second.begin(), it->second.end(), p) == it->second.end()) {
            out.push_back(p);
        }
    }
    return out;
}

std::string jobUnits(const DrillPlan& plan) {
    std::string units;
    for (const auto& job : plan.jobs) {
        units += " " + shellQuote(job.unit);
    }
    return units;
}

verify::ParsedManifest manifestOf(Machine& m, const std::string& root, const std::vector<std::string>& paths) {
    std::string cmd = "bash -c " + shellQuote(verify::manifestScript()) + " manifest " + shellQuote(root);
    for (const auto& p : paths) {
        cmd += " " + shellQuote(p);
    }
    auto r = m.must(cmd);
    try {
        return verify::parseManifest(r.out);
    } catch (util::Error& e) {
        e.addContext("while reading the manifest of " + root);
        throw;
    }
}

std::string systemdArgument(const std::string& word) {
    std::string out = "\"";
    for (char c : word) {
        switch (c) {
        case '\n':
            throw util::InputError("a unit file argument cannot hold a newline: " + shellQuote(word));
        case '\\':
        case '"':
            out += '\\';
            out += c;
            break;
        case '%':
        case '$':
            out += c;
            out += c;
            break;
        default:
            out += c;
        }
    }
    return out + "\"";
}

std::string dropInDir(Machine& m, const std::string& unit) {
    return (m.guest().providesBackupUnits() ? "/run/systemd/system/" : "/etc/systemd/system/") + unit + ".d";
}

std::set<std::string> snapshotIds(DrillContext& ctx, const DrillJob& job) {
    std::set<std::string> ids;
    auto r = ctx.client().sh(resticEnv(job) + "restic snapshots --json");
    if (!r.succeeded()) {
        // No repository yet (a fault on the first backup): no snapshots.
        ctx.note("no snapshots listed in " + job.repository + ": " + ctx.redactor.apply(r.describe()));
        return ids;
    }
    try {
        for (const auto& snap : verify::parseSnapshots(r.out)) {
            ids.insert(snap.id);
        }
    } catch (const util::InputError& e) {
        throw util::SystemError(e.message());
    }
    return ids;
}

std::vector<verify::Snapshot> allSnapshots(DrillContext& ctx, const DrillJob& job) {
    auto r = ctx.client().sh(resticEnv(job) + "restic snapshots --json");
    if (!r.succeeded()) {
        return {};
    }
    try {
        return verify::parseSnapshots(r.out);
    } catch (const util::InputError& e) {
        throw util::SystemError(e.message());
    }
}

std::string metricsText(Machine& m, const DrillJob& job) {
    if (job.metricsFile.empty()) {
        return "";
    }
    auto r = m.sh("cat " + shellQuote(job.metricsFile) + " 2>/dev/null");
    return r.succeeded() ? r.out : "";
}

} // namespace nixdrill::engine::drill
