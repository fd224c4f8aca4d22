///@file Parsing the `drill` section of a scenario.
#include "scenario/drill_parser.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

namespace nixdrill::scenario {

using nlohmann::ordered_json;

namespace {

using Reader = JsonReader;

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

/// "a, b and c"
std::string listed(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    }
    return out;
}

/// Every step kind of the catalogue, in registry order.
std::vector<std::string> allActions(const StepCatalogue& catalogue) {
    std::vector<std::string> out;
    for (const auto* syntax : catalogue) {
        for (const auto& a : syntax->actions()) {
            out.push_back(a);
        }
    }
    return out;
}

/// The keys the families read on a step of `action`.
std::set<std::string> keysOf(const StepCatalogue& catalogue, const std::string& action) {
    std::set<std::string> out;
    for (const auto* syntax : catalogue) {
        for (const auto& k : syntax->keysOf(action)) {
            out.insert(k);
        }
    }
    return out;
}

const std::set<std::string> commonStepKeys = {"action", "name", "retries"};

/// The checks every step shares (its keys, its action, its name, retries); the rest is the
/// families' (StepSyntax::parseStep).
model::DrillStep parseStep(const Reader& r, const ordered_json& s, const std::string& p, std::size_t index,
                           const model::Drill& drill, StepHistory& history, const StepCatalogue& catalogue) {
    auto actions = allActions(catalogue);
    std::set<std::string> known = commonStepKeys;
    for (const auto& a : actions) {
        auto k = keysOf(catalogue, a);
        known.insert(k.begin(), k.end());
    }
    r.onlyKeys(s, p, known);
    model::DrillStep step;
    step.action = r.string(s, p, "action", "");
    const StepSyntax* owner = nullptr;
    for (const auto* syntax : catalogue) {
        for (const auto& a : syntax->actions()) {
            owner = a == step.action ? syntax : owner;
        }
    }
    if (owner == nullptr) {
        std::string list;
        for (const auto& a : actions) {
            list += (list.empty() ? "" : ", ") + a;
        }
        r.fail(p + "/action", "unknown action \"" + step.action + "\" (known: " + list + ")");
    }
    auto mine = keysOf(catalogue, step.action);
    for (const auto& [key, value] : s.items()) {
        if (!commonStepKeys.contains(key) && !mine.contains(key)) {
            std::vector<std::string> kinds;
            for (const auto& a : actions) {
                if (keysOf(catalogue, a).contains(key)) {
                    kinds.push_back(a);
                }
            }
            r.fail(p + "/" + key, "only applies to " + listed(kinds) + " steps");
        }
    }
    step.params = s;
    StepInput in{r, s, p, drill, history};
    for (const auto* syntax : catalogue) {
        syntax->parseStep(in, step);
    }
    step.name = r.string(s, p, "name",
                         std::to_string(index + 1) + "-" + (step.fault ? "fault-" + step.fault->kind : step.action));
    if (s.contains("retries")) {
        // Only steps that repeat cleanly: they read the repository or rewrite their own target.
        // A repeated backup would add snapshots, a repeated fault would blur its declared outcome.
        if (!owner->retryable(step.action)) {
            std::vector<std::string> kinds;
            for (const auto* syntax : catalogue) {
                for (const auto& a : syntax->actions()) {
                    if (syntax->retryable(a)) {
                        kinds.push_back(a);
                    }
                }
            }
            r.fail(p + "/retries", "only " + listed(kinds) + " steps may be retried");
        }
        step.retries = r.number(s, p, "retries", 0, 0, 3);
    }
    history.backups += owner->makesBackup(step) ? 1 : 0;
    return step;
}

} // namespace

std::string snapshotRef(const StepInput& in, const char* key) {
    if (!in.json.contains(key)) {
        return "latest";
    }
    const auto& snap = in.json[key];
    if (snap.is_string() && snap == "latest") {
        return "latest";
    }
    if (snap.is_number_unsigned() && snap.get<unsigned long long>() >= 1 &&
        snap.get<unsigned long long>() <= in.history.backups) {
        return std::to_string(snap.get<unsigned long long>());
    }
    in.reader.fail(in.pointer + "/" + key, "expected \"latest\" or the number (1-" +
                                               std::to_string(in.history.backups) +
                                               ") of a backup step before this one");
}

/// drill.units: service unit names, each once (they go on a systemctl command line).
std::vector<std::string> parseUnits(const Reader& r, const ordered_json& value, const std::string& pointer) {
    std::vector<std::string> units;
    if (!value.is_array()) {
        r.fail(pointer, "expected a list of service unit names");
    }
    static const std::regex unitName("[A-Za-z0-9][A-Za-z0-9_.@:-]*\\.service");
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto p = pointer + "/" + std::to_string(i);
        if (!value[i].is_string() || !std::regex_match(value[i].get<std::string>(), unitName)) {
            r.fail(p, "expected a service unit name such as \"mariadb.service\"");
        }
        auto unit = value[i].get<std::string>();
        if (std::find(units.begin(), units.end(), unit) != units.end()) {
            r.fail(p, "unit " + unit + " is listed twice");
        }
        units.push_back(unit);
    }
    return units;
}

/// drill.podman: containers by name, each { cmd, volumes ["name:/mount"], http? { port, volume } }.
std::vector<model::PodmanContainer> parsePodman(const Reader& r, const ordered_json& value, const std::string& base) {
    static const std::regex name("[a-z0-9][a-z0-9_.-]*");
    if (!value.is_object() || value.empty()) {
        r.fail(base, "expected an object of containers by name");
    }
    std::vector<model::PodmanContainer> out;
    std::set<std::string> volumes;
    std::set<unsigned> ports;
    for (const auto& [key, c] : value.items()) {
        std::string p = base + "/" + util::escapePointerToken(key);
        if (!std::regex_match(key, name)) {
            r.fail(p, "container name \"" + key + "\" must match [a-z0-9][a-z0-9_.-]*");
        }
        r.onlyKeys(c, p, {"cmd", "volumes", "http"});
        model::PodmanContainer pc;
        pc.name = key;
        if (!c.contains("cmd") || !c["cmd"].is_array() || c["cmd"].empty()) {
            r.fail(p + "/cmd", "expected the container's command as a non-empty list of strings");
        }
        for (std::size_t i = 0; i < c["cmd"].size(); ++i) {
            if (!c["cmd"][i].is_string()) {
                r.fail(p + "/cmd/" + std::to_string(i), "expected a string");
            }
            pc.cmd.push_back(c["cmd"][i].get<std::string>());
        }
        const auto& vols = c.contains("volumes") ? c["volumes"] : ordered_json::array();
        if (!vols.is_array()) {
            r.fail(p + "/volumes", "expected a list of \"volume:/mount/point\"");
        }
        static const std::regex volume("([a-z0-9][a-z0-9_.-]*):(/[^:[:space:]]*)");
        for (std::size_t i = 0; i < vols.size(); ++i) {
            std::smatch m;
            std::string text = vols[i].is_string() ? vols[i].get<std::string>() : "";
            if (!std::regex_match(text, m, volume)) {
                r.fail(p + "/volumes/" + std::to_string(i), "expected \"volume:/mount/point\" (a named volume)");
            }
            if (!volumes.insert(m[1]).second) {
                r.fail(p + "/volumes/" + std::to_string(i), "volume " + m[1].str() + " is mounted twice");
            }
            pc.volumes.emplace_back(m[1], m[2]);
        }
        if (c.contains("http")) {
            const auto& h = c["http"];
            r.onlyKeys(h, p + "/http", {"port", "volume"});
            pc.httpPort = r.number(h, p + "/http", "port", 0, 1024, 65535);
            pc.httpVolume = r.string(h, p + "/http", "volume", "");
            bool mounted = std::any_of(pc.volumes.begin(), pc.volumes.end(),
                                       [&](const auto& v) { return v.first == pc.httpVolume; });
            if (!mounted) {
                r.fail(p + "/http/volume", "\"" + pc.httpVolume + "\" is not one of the container's volumes");
            }
            if (pc.httpPort == 0 || !ports.insert(pc.httpPort).second) {
                r.fail(p + "/http/port", "expected a port (1024-65535) that no other container serves on");
            }
        }
        out.push_back(std::move(pc));
    }
    return out;
}

model::Drill parseDrill(const ordered_json& section, const std::string& file, const StepCatalogue& catalogue) {
    Reader r{file};
    const std::string base = "/drill";
    r.onlyKeys(section, base,
               {"guest", "seed", "memoryMiB", "vcpus", "data", "steps", "timeouts", "repositoryDiskMiB", "network",
                "zfs", "units", "podman"});
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

    if (section.contains("podman")) {
        d.podman = parsePodman(r, section["podman"], base + "/podman");
        if (d.guest != "debian") {
            r.fail(base + "/podman",
                   "podman containers need the Debian guest: a NixOS guest would run them through "
                   "virtualisation.oci-containers, which nix/nixos/scenario.nix does not declare yet");
        }
    }

    if (section.contains("units")) {
        d.units = parseUnits(r, section["units"], base + "/units");
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
    StepHistory history;
    const auto& steps = section["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
        d.steps.push_back(parseStep(r, steps[i], base + "/steps/" + std::to_string(i), i, d, history, catalogue));
    }
    return d;
}

} // namespace nixdrill::scenario
