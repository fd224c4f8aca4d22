///@file Reading the evaluation's rendered backup jobs into a drill plan.
#include "engine/drill/plan.hpp"

#include "engine/drill/text.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <algorithm>

namespace nixdrill::engine {

using drill::stringOr;
using nlohmann::json;

namespace {

std::vector<std::string> stringList(const json& j, const std::string& pointer) {
    std::vector<std::string> out;
    if (j.is_null()) {
        return out;
    }
    if (!j.is_array()) {
        throw util::InputError(pointer + ": expected a list of strings");
    }
    for (const auto& x : j) {
        if (!x.is_string()) {
            throw util::InputError(pointer + ": expected a list of strings");
        }
        out.push_back(x.get<std::string>());
    }
    return out;
}

} // namespace

namespace {

/// The enabled container backups (containers.<name>.settings), in name order; their files join
/// the plan's.
void addContainers(const json& value, DrillPlan& plan) {
    if (!value.contains("containers") || !value["containers"].is_object()) {
        return;
    }
    for (const auto& [name, c] : value["containers"].items()) {
        if (!c.is_object() || !c.contains("settings") || !c["settings"].is_object()) {
            continue; // disabled: nothing is installed
        }
        std::string p = "/containers/" + util::escapePointerToken(name) + "/settings";
        const auto& s = c["settings"];
        DrillContainerBackup cb;
        cb.name = name;
        cb.serviceName = stringOr(s, "serviceName");
        cb.unit = stringOr(s, "unit");
        cb.dataPaths = stringList(s.value("dataPaths", json()), p + "/dataPaths");
        cb.destinations = stringList(s.value("destinations", json()), p + "/destinations");
        cb.format = stringOr(s, "format");
        cb.owner = stringOr(s, "owner");
        cb.fileMode = stringOr(s, "fileMode");
        cb.maxRetentionDays = s.value("maxRetentionDays", 0U);
        cb.retentionSnapshots = s.value("retentionSnapshots", 0U);
        if (cb.unit.empty() || cb.serviceName.empty() || cb.dataPaths.empty() || cb.destinations.empty()) {
            throw util::InputError(p + ": a drillable container backup has a unit, a serviceName, dataPaths and "
                                       "destinations");
        }
        const json files = c.value("files", json::object());
        for (const auto& [file, text] : files.items()) {
            if (text.is_string()) {
                plan.files[file] = text.get<std::string>();
            }
        }
        plan.containers.push_back(std::move(cb));
    }
}

} // namespace

DrillPlan planFromEvaluation(const json& value) {
    DrillPlan plan;
    addContainers(value, plan);
    if (value.contains("collector") && value["collector"].is_object() && value["collector"].contains("persistence")) {
        plan.persistence = stringList(value["collector"]["persistence"], "/collector/persistence");
    }
    if (!value.contains("backup") || !value["backup"].is_object()) {
        if (!plan.containers.empty()) {
            return plan; // a drill of container backups alone
        }
        throw util::InputError("/backup: the evaluation rendered no backup jobs and no enabled container backups "
                               "(does the scenario enable modules.backup or a container's backupConfig?)");
    }
    const auto& b = value["backup"];
    if (!b.contains("jobOrder") || !b["jobOrder"].is_array() || b["jobOrder"].empty()) {
        throw util::InputError("/backup/jobOrder: no jobs to drill");
    }
    for (const auto& nameJson : b["jobOrder"]) {
        auto name = nameJson.get<std::string>();
        std::string p = "/backup/jobs/" + util::escapePointerToken(name);
        if (!b.contains("jobs") || !b["jobs"].contains(name)) {
            throw util::InputError(p + ": missing");
        }
        const auto& j = b["jobs"][name];
        DrillJob job;
        job.name = name;
        job.source = j.value("kind", "") == "registration" ? stringOr(j, "source") : "";
        job.unit = stringOr(j, "unitName", "restic-backups-" + name + ".service");
        job.after = stringList(j.value("after", json::array()), p + "/after");
        job.paths = stringList(j.value("paths", json::array()), p + "/paths");
        job.exclude = stringList(j.value("exclude", json::array()), p + "/exclude");
        job.systemdUnits = stringList(j.value("systemdUnits", json::array()), p + "/systemdUnits");
        job.repository = stringOr(j, "repository");
        job.passwordFile = stringOr(j, "passwordFile");
        job.environmentFile = stringOr(j, "environmentFile");
        job.metricsFile = stringOr(j, "metricsFile");
        job.forgetArgs = stringList(j.value("pruneArgs", json::array()), p + "/pruneArgs");
        if (j.contains("postgres") && j["postgres"].is_object()) {
            const auto& pg = j["postgres"];
            job.pgDatabases = stringList(pg.value("databases", json::array()), p + "/postgres/databases");
            job.pgUser = stringOr(pg, "user", "postgres");
            job.pgDumpDir = stringOr(pg, "dumpDir");
            if (pg.contains("pgbackrest") && pg["pgbackrest"].is_object() && pg["pgbackrest"].value("enable", false)) {
                job.pgStanza = stringOr(pg["pgbackrest"], "stanza");
                job.pgRepoPath = stringOr(pg["pgbackrest"], "repoPath");
            }
        }
        job.restoreFile = stringOr(j, "restoreFile");
        job.postRestore = j.contains("postRestore") && j["postRestore"].is_string();
        job.pitrFile = stringOr(j, "pitrFile");
        job.healthFile = stringOr(j, "healthFile");
        if (j.contains("healthChecks") && j["healthChecks"].is_array()) {
            for (const auto& h : j["healthChecks"]) {
                if (h.is_object()) {
                    job.healthServices.push_back(stringOr(h, "service"));
                    job.healthTimeout = std::max(job.healthTimeout, h.value("timeout", 0));
                }
            }
        }
        if (j.value("useSnapshots", false)) {
            job.zfsDataset = stringOr(j, "zfsDataset");
        }
        if (job.paths.empty() || job.repository.empty() || job.passwordFile.empty()) {
            throw util::InputError(p + ": a drillable job has paths, a repository and a passwordFile");
        }
        if (job.repository.find(':') != std::string::npos || job.repository.empty() || job.repository[0] != '/') {
            // s3:, sftp:, rest:, b2:, rclone:... would make the drill write to a real repository
            // outside the guest's own disks; only the read-only `nixdrill drill` opens those.
            auto repoName = stringOr(j, "repositoryName", "<name>");
            throw util::InputError(p +
                                   "/repository: a drill only writes to a repository on its guest's own disks (an "
                                   "absolute local path), not \"" +
                                   job.repository + "\" (option modules.backup.restic.repositories." + repoName +
                                   ".url; drill a production repository read-only with `nixdrill drill`)");
        }
        plan.jobs.push_back(std::move(job));
    }
    if (b.contains("files") && b["files"].is_object()) {
        for (const auto& [name, text] : b["files"].items()) {
            if (text.is_string()) {
                plan.files[name] = text.get<std::string>();
            }
        }
    }
    return plan;
}

} // namespace nixdrill::engine
