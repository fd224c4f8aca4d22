///@file Backup module invariants.
#include "verify/backup_invariants.hpp"

#include "util/text.hpp"
#include "verify/invariant_checker.hpp"

#include <map>
#include <set>
#include <sstream>

namespace nixdrill::verify {

namespace {

using nlohmann::json;

/// Unit names after "systemctl <verb> " in a rendered shell text, in order; quotes removed.
std::vector<std::string> unitsAfter(const std::string& text, const std::string& verb) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    const std::string prefix = "systemctl " + verb + " ";
    while (std::getline(in, line)) {
        auto start = line.find_first_not_of(' ');
        if (start == std::string::npos || line.compare(start, prefix.size(), prefix) != 0) {
            continue;
        }
        std::string rest = line.substr(start + prefix.size());
        std::string unit;
        if (!rest.empty() && rest.front() == '\'') {
            auto end = rest.find('\'', 1);
            unit = rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
        } else {
            unit = rest.substr(0, rest.find_first_of(" |;&"));
        }
        out.push_back(unit);
    }
    return out;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// checkBackupInvariants, one function per invariant (or group over the same loop), called in
// the order the violations are reported.

/// One job per registration, named service-<name>, backing up the registration's paths; every
/// registration job's source is a registration.
void checkRegistrationJobs(InvariantChecker& c, const json& collector, const json& jobs) {
    std::map<std::string, std::string> jobOfSource;
    for (const auto& [name, job] : jobs.items()) {
        if (str(job, "kind") == "registration") {
            auto source = str(job, "source");
            if (auto [it, inserted] = jobOfSource.emplace(source, name); !inserted) {
                c.fail("/jobs/" + util::escapePointerToken(name),
                       "each registration has exactly one job (also '" + it->second + "')", source);
            }
        }
    }
    if (!collector.is_object() || !collector.contains("backups") || !collector["backups"].is_object()) {
        return;
    }
    for (const auto& [name, reg] : collector["backups"].items()) {
        auto it = jobOfSource.find(name);
        if (it == jobOfSource.end() || it->second != "service-" + name) {
            c.fail("/jobs/" + util::escapePointerToken("service-" + name),
                   "each registration has exactly one job, named service-<name>", nullptr);
        } else {
            // livePaths: the registration's own (`paths` adds a PostgreSQL staging dir);
            // renderings without it compare `paths`.
            const auto& job = jobs[it->second];
            std::string field = job.contains("livePaths") ? "livePaths" : "paths";
            if (job.value(field, json::array()) != reg.value("paths", json::array())) {
                c.fail("/jobs/" + util::escapePointerToken(it->second) + "/" + field,
                       "a registration's job backs up the registration's paths", job.value(field, json()));
            }
        }
    }
    for (const auto& [source, name] : jobOfSource) {
        // A service with only backup.postgres has a job (its dumps) but no registration.
        bool databasesOnly = jobs[name].contains("postgres") && jobs[name]["postgres"].is_object() &&
                             jobs[name].value("livePaths", json::array()).empty();
        if (!collector["backups"].contains(source) && !databasesOnly) {
            c.fail("/jobs/" + util::escapePointerToken(name), "a registration job's source is a registration", source);
        }
    }
}

void checkRepositoriesExist(InvariantChecker& c, const json& settings, const json& jobs) {
    std::set<std::string> repositories;
    if (settings.contains("restic") && settings["restic"].contains("repositories") &&
        settings["restic"]["repositories"].is_object()) {
        for (const auto& [name, repo] : settings["restic"]["repositories"].items()) {
            repositories.insert(name);
        }
    }
    for (const auto& [name, job] : jobs.items()) {
        auto repo = str(job, "repositoryName");
        if (!repositories.contains(repo)) {
            c.fail("/jobs/" + util::escapePointerToken(name) + "/repositoryName", "each job's repository exists", repo);
        }
    }
}

/// jobOrder names jobs only, sorted by (priority, name). Returns each listed job's unit -> its
/// index in jobOrder, for the `after` checks.
std::map<std::string, std::size_t> checkJobOrderSorted(InvariantChecker& c, const json& jobs, const json& order) {
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < order.size(); ++i) {
        auto name = order[i].is_string() ? order[i].get<std::string>() : std::string();
        if (!jobs.contains(name)) {
            c.fail("/jobOrder/" + std::to_string(i), "jobOrder names jobs only", order[i]);
            continue;
        }
        position[str(jobs[name], "unitName")] = i;
        if (i > 0 && order[i - 1].is_string() && jobs.contains(order[i - 1].get<std::string>())) {
            const auto& prev = jobs[order[i - 1].get<std::string>()];
            auto key = [](const json& j) {
                return std::make_pair(j.value("priority", 0LL), j.value("name", std::string()));
            };
            if (key(prev) > key(jobs[name])) {
                c.fail("/jobOrder/" + std::to_string(i), "jobOrder is sorted by (priority, name)", order[i]);
            }
        }
    }
    return position;
}

/// jobOrder lists every job exactly once.
void checkJobOrderComplete(InvariantChecker& c, const json& jobs, const json& order) {
    std::set<std::string> listedJobs;
    for (const auto& n : order) {
        if (n.is_string() && jobs.contains(n.get<std::string>()) && !listedJobs.insert(n.get<std::string>()).second) {
            c.fail("/jobOrder", "jobOrder lists every job once (twice: '" + n.get<std::string>() + "')", order);
        }
    }
    for (const auto& [name, job] : jobs.items()) {
        if (!listedJobs.contains(name)) {
            c.fail("/jobOrder", "jobOrder lists every job once (missing '" + name + "')", order);
        }
    }
}

std::string afterPointer(const json& order, std::size_t i) {
    return "/jobs/" + util::escapePointerToken(order[i].get<std::string>()) + "/after";
}

/// `after` of the job at jobOrder[i] names only job units earlier in jobOrder and of no higher
/// priority number, so the ordering is acyclic.
void checkAfter(InvariantChecker& c, const json& jobs, const json& order,
                const std::map<std::string, std::size_t>& position, std::size_t i) {
    const auto& job = jobs[order[i].get<std::string>()];
    auto p = afterPointer(order, i);
    for (const auto& a : job.value("after", json::array())) {
        auto it = a.is_string() ? position.find(a.get<std::string>()) : position.end();
        if (it == position.end()) {
            c.fail(p, "`after` names job units only", a);
        } else if (it->second >= i) {
            c.fail(p, "ordering is acyclic: a job runs only after jobs earlier in jobOrder", a);
        } else if (jobs[order[it->second].get<std::string>()].value("priority", 0LL) > job.value("priority", 0LL)) {
            c.fail(p, "a job never waits for a job of a higher priority number", a);
        }
    }
}

/// Every job of a lower priority number than jobOrder[i]'s runs first: it is in its `after`.
void checkLowerPrioritiesFirst(InvariantChecker& c, const json& jobs, const json& order, std::size_t i) {
    const auto& job = jobs[order[i].get<std::string>()];
    auto p = afterPointer(order, i);
    for (std::size_t k = 0; k < i; ++k) {
        if (!order[k].is_string() || !jobs.contains(order[k].get<std::string>())) {
            continue; // reported by checkJobOrderSorted
        }
        const auto& earlier = jobs[order[k].get<std::string>()];
        if (earlier.value("priority", 0LL) < job.value("priority", 0LL)) {
            bool listed = false;
            for (const auto& a : job.value("after", json::array())) {
                listed = listed || a == earlier.value("unitName", json());
            }
            if (!listed) {
                c.fail(p,
                       "a job runs after every job of a lower priority number (missing " + str(earlier, "unitName") +
                           ")",
                       job.value("after", json()));
            }
        }
    }
}

/// Units stopped in the prepare step are the job's systemdUnits, and all are started again by
/// the cleanup, in reverse.
void checkStopStartUnits(InvariantChecker& c, const json& job, const std::string& name) {
    auto stopped = unitsAfter(str(job, "backupPrepareCommand"), "stop");
    auto started = unitsAfter(str(job, "backupCleanupCommand"), "start");
    std::vector<std::string> reversed(stopped.rbegin(), stopped.rend());
    if (stopped != job.value("systemdUnits", json::array()).get<std::vector<std::string>>()) {
        c.fail("/jobs/" + util::escapePointerToken(name) + "/backupPrepareCommand",
               "the prepare step stops the job's systemdUnits in order", stopped);
    }
    if (started != reversed) {
        c.fail("/jobs/" + util::escapePointerToken(name) + "/backupCleanupCommand",
               "every unit stopped is started again by the cleanup, in reverse order", started);
    }
}

void checkMetricsFilesUnique(InvariantChecker& c, const json& jobs) {
    std::map<std::string, std::string> metrics;
    for (const auto& [name, job] : jobs.items()) {
        auto file = str(job, "metricsFile");
        if (file.empty()) {
            continue;
        }
        if (auto [it, inserted] = metrics.emplace(file, name); !inserted) {
            c.fail("/jobs/" + util::escapePointerToken(name) + "/metricsFile",
                   "metrics file names are unique (also job '" + it->second + "')", file);
        }
    }
}

} // namespace

std::vector<model::Mismatch> checkBackupInvariants(const json& settings, const json& collector, const json& backup) {
    InvariantChecker c("/backup");
    if (!backup.is_object() || !backup.contains("jobs") || !backup["jobs"].is_object() ||
        !backup.contains("jobOrder") || !backup["jobOrder"].is_array()) {
        c.fail("", "output has jobs (object) and jobOrder (list)", backup);
        return c.take();
    }
    const auto& jobs = backup["jobs"];
    const auto& order = backup["jobOrder"];
    bool enabled = settings.is_object() && settings.value("enable", false);
    if (!enabled) {
        if (!jobs.empty()) {
            c.fail("/jobs", "a disabled backup module renders no jobs", jobs);
        }
        return c.take();
    }
    checkRegistrationJobs(c, collector, jobs);
    checkRepositoriesExist(c, settings, jobs);
    auto position = checkJobOrderSorted(c, jobs, order);
    checkJobOrderComplete(c, jobs, order);
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (!order[i].is_string() || !jobs.contains(order[i].get<std::string>())) {
            continue;
        }
        checkAfter(c, jobs, order, position, i);
        checkLowerPrioritiesFirst(c, jobs, order, i);
        checkStopStartUnits(c, jobs[order[i].get<std::string>()], order[i].get<std::string>());
    }
    checkMetricsFilesUnique(c, jobs);
    return c.take();
}

} // namespace nixdrill::verify
