///@file Collector invariants.
#include "verify/collector_invariants.hpp"

#include "util/text.hpp"
#include "verify/invariant_checker.hpp"

#include <map>
#include <set>

namespace nixdrill::verify {

namespace {

using nlohmann::json;

bool isEnabled(const json& contract) {
    auto it = contract.find("enable");
    return it != contract.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::string> backupPathsOf(const json& contract) {
    std::vector<std::string> out;
    if (auto it = contract.find("backupPaths"); it != contract.end() && it->is_array()) {
        for (const auto& p : *it) {
            if (p.is_string()) {
                out.push_back(p.get<std::string>());
            }
        }
    }
    return out;
}

std::pair<long long, std::string> orderKey(const json& backups, const std::string& name) {
    long long priority = 0;
    if (auto it = backups.find(name); it != backups.end() && it->is_object()) {
        priority = it->value("priority", 0LL);
    }
    return {priority, name};
}

bool isWithin(const std::string& path, const std::string& ancestor) {
    if (ancestor == "/") {
        return true;
    }
    return path == ancestor || (path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
                                path[ancestor.size()] == '/');
}

// checkCollectorInvariants, one function per invariant (or group over the same loop), called in
// the order the violations are reported.

struct ServiceSets {
    std::set<std::string> enabled;
    std::set<std::string> disabled;
};

ServiceSets serviceSetsOf(const json& services) {
    ServiceSets sets;
    for (const auto& [name, contract] : services.items()) {
        (isEnabled(contract) ? sets.enabled : sets.disabled).insert(name);
    }
    return sets;
}

/// Persistence entries: absolute, normalised, unique. Returns the valid ones.
std::set<std::string> checkPersistence(InvariantChecker& c, const json& persistence) {
    std::set<std::string> persisted;
    for (std::size_t i = 0; i < persistence.size(); ++i) {
        const auto& p = persistence[i];
        std::string ptr = "/persistence/" + std::to_string(i);
        if (!p.is_string() || !isNormalisedAbsolutePath(p.get<std::string>())) {
            c.fail(ptr, "persistence entries are absolute normalised paths", p);
            continue;
        }
        if (!persisted.insert(p.get<std::string>()).second) {
            c.fail(ptr, "persistence entries are unique", p);
        }
    }
    return persisted;
}

/// A registration's paths (at `ptr`/paths): absolute, normalised, persisted, in this one
/// registration only (`pathOwner`: path -> the registration that has it), none nested in another.
void checkRegistrationPaths(InvariantChecker& c, const std::string& ptr, const std::string& name, const json& paths,
                            const std::set<std::string>& persisted, std::map<std::string, std::string>& pathOwner) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto& p = paths[i];
        std::string pp = ptr + "/paths/" + std::to_string(i);
        if (!p.is_string() || !isNormalisedAbsolutePath(p.get<std::string>())) {
            c.fail(pp, "registration paths are absolute normalised paths", p);
            continue;
        }
        auto path = p.get<std::string>();
        if (!persisted.contains(path)) {
            c.fail(pp, "registration paths are covered by the persistence list", p);
        }
        if (auto [it, inserted] = pathOwner.emplace(path, name); !inserted) {
            c.fail(pp,
                   it->second == name ? "registration paths are unique"
                                      : "no path appears in two registrations (also in '" + it->second + "')",
                   p);
        }
        for (std::size_t j = 0; j < paths.size(); ++j) {
            if (j != i && paths[j].is_string() && paths[j] != p && isWithin(path, paths[j].get<std::string>())) {
                c.fail(pp, "no registration path is nested in another path of the same registration", p);
            }
        }
    }
}

/// Registrations: only enabled services, each with a non-empty list of valid paths.
void checkRegistrations(InvariantChecker& c, const json& backups, const ServiceSets& sets,
                        const std::set<std::string>& persisted) {
    std::map<std::string, std::string> pathOwner;
    for (const auto& [name, reg] : backups.items()) {
        std::string ptr = "/backups/" + util::escapePointerToken(name);
        if (sets.disabled.contains(name) || !sets.enabled.contains(name)) {
            c.fail(ptr, "only enabled services are registered", name);
        }
        if (!reg.is_object() || !reg.contains("paths") || !reg["paths"].is_array() || reg["paths"].empty()) {
            c.fail(ptr + "/paths", "every registration has a non-empty list of paths", reg);
            continue;
        }
        checkRegistrationPaths(c, ptr, name, reg["paths"], persisted, pathOwner);
    }
}

/// Every enabled service with backup paths is registered, unless overlaps took all its paths.
void checkEveryServiceRegistered(InvariantChecker& c, const json& services, const json& backups, const json& overlaps,
                                 const std::set<std::string>& enabled) {
    std::set<std::string> removedFrom;
    for (const auto& o : overlaps) {
        if (o.is_object() && o.contains("removedFrom") && o["removedFrom"].is_array()) {
            for (const auto& n : o["removedFrom"]) {
                if (n.is_string()) {
                    removedFrom.insert(n.get<std::string>());
                }
            }
        }
    }
    for (const auto& name : enabled) {
        if (!backupPathsOf(services[name]).empty() && !backups.contains(name) && !removedFrom.contains(name)) {
            c.fail("/backups/" + util::escapePointerToken(name),
                   "every enabled service with backupPaths is registered (or its paths went to an overlap owner)",
                   nullptr);
        }
    }
}

/// Overlaps name enabled services, the owner still holds the path or an ancestor of it, and
/// they are sorted by path.
void checkOverlaps(InvariantChecker& c, const json& overlaps, const json& backups,
                   const std::set<std::string>& enabled) {
    for (std::size_t i = 0; i < overlaps.size(); ++i) {
        const auto& o = overlaps[i];
        std::string ptr = "/overlaps/" + std::to_string(i);
        if (!o.is_object() || !o.contains("path") || !o["path"].is_string() || !o.contains("owner") ||
            !o["owner"].is_string()) {
            c.fail(ptr, "overlaps are { path; owner; removedFrom; }", o);
            continue;
        }
        auto owner = o["owner"].get<std::string>();
        auto path = o["path"].get<std::string>();
        if (!backups.contains(owner)) {
            c.fail(ptr + "/owner", "an overlap's owner is a registration", o["owner"]);
        } else {
            bool covered = false;
            for (const auto& p : backups[owner].value("paths", json::array())) {
                covered = covered || (p.is_string() && isWithin(path, p.get<std::string>()));
            }
            if (!covered) {
                c.fail(ptr + "/path", "an overlap's owner backs up the path or an ancestor of it", o["path"]);
            }
        }
        for (const auto& n : o.value("removedFrom", json::array())) {
            if (!n.is_string() || !enabled.contains(n.get<std::string>())) {
                c.fail(ptr + "/removedFrom", "overlaps name only enabled services", n);
            }
        }
        if (i > 0 && overlaps[i - 1].is_object() && overlaps[i - 1].contains("path") &&
            overlaps[i - 1]["path"].is_string() && overlaps[i - 1]["path"].get<std::string>() > path) {
            c.fail(ptr, "overlaps are sorted by path", o);
        }
    }
}

/// backupOrder: exactly the registrations, sorted by (priority, name).
void checkBackupOrder(InvariantChecker& c, const json& order, const json& backups) {
    std::set<std::string> ordered;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto& n = order[i];
        std::string ptr = "/backupOrder/" + std::to_string(i);
        if (!n.is_string() || !backups.contains(n.get<std::string>())) {
            c.fail(ptr, "backupOrder names registrations only", n);
            continue;
        }
        if (!ordered.insert(n.get<std::string>()).second) {
            c.fail(ptr, "backupOrder names each registration once", n);
        }
        if (i > 0 && order[i - 1].is_string() &&
            orderKey(backups, order[i - 1].get<std::string>()) > orderKey(backups, n.get<std::string>())) {
            c.fail(ptr, "backupOrder is sorted by (priority, name)", n);
        }
    }
    for (const auto& [name, reg] : backups.items()) {
        if (!ordered.contains(name)) {
            c.fail("/backupOrder", "backupOrder lists every registration (missing '" + name + "')", order);
        }
    }
}

} // namespace

bool isNormalisedAbsolutePath(const std::string& path) {
    if (path == "/") {
        return true;
    }
    if (path.empty() || path.front() != '/' || path.back() == '/') {
        return false;
    }
    std::size_t start = 1;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        auto seg = path.substr(start, end - start);
        if (seg.empty() || seg == "." || seg == "..") {
            return false;
        }
        start = end + 1;
    }
    return true;
}

std::vector<model::Mismatch> checkCollectorInvariants(const json& services, const json& output) {
    InvariantChecker c("/collector");
    if (!output.is_object() || !output.contains("persistence") || !output["persistence"].is_array() ||
        !output.contains("backups") || !output["backups"].is_object() || !output.contains("backupOrder") ||
        !output["backupOrder"].is_array() || !output.contains("overlaps") || !output["overlaps"].is_array()) {
        c.fail("", "output has persistence (list), backups (object), backupOrder (list), overlaps (list)", output);
        return c.take();
    }
    const auto& backups = output["backups"];
    const auto& overlaps = output["overlaps"];
    auto sets = serviceSetsOf(services);
    auto persisted = checkPersistence(c, output["persistence"]);
    checkRegistrations(c, backups, sets, persisted);
    checkEveryServiceRegistered(c, services, backups, overlaps, sets.enabled);
    checkOverlaps(c, overlaps, backups, sets.enabled);
    checkBackupOrder(c, output["backupOrder"], backups);
    return c.take();
}

} // namespace nixdrill::verify
