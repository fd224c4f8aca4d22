///@file restic for drills against production repositories: read-only by construction.
#include "verify/restic.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace nixdrill::verify {

namespace {

// restic commands that never write to the repository (with --no-lock, not even a lock file).
const std::set<std::string> readCommands = {"snapshots", "ls",   "restore", "check", "cat",
                                            "stats",     "find", "dump",    "diff",  "version"};

std::map<std::string, std::string> readEnvironmentFile(const std::filesystem::path& file) {
    std::map<std::string, std::string> env;
    std::istringstream in(util::readFile(file));
    std::string line;
    while (std::getline(in, line)) {
        auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') {
            continue;
        }
        line = line.substr(start);
        if (line.rfind("export ", 0) == 0) {
            line = line.substr(7);
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw util::InputError(file.string() +
                                   ": a line is not NAME=value (its content is not shown: it may hold credentials)");
        }
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        env[line.substr(0, eq)] = value;
    }
    return env;
}

} // namespace

void assertReadOnly(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a.empty() || a[0] == '-') {
            continue;
        }
        if (!readCommands.contains(a)) {
            throw util::InputError("refusing to run 'restic " + a +
                                   "': a drill opens the repository read-only (no backup, forget, prune, unlock, init, "
                                   "key, tag, repair or migrate)");
        }
        return; // the first word that is not an option is the command
    }
    throw util::InputError("refusing to run restic without a command");
}

ReadOnlyRestic::ReadOnlyRestic(ResticRepository repository, std::string restic)
    : repository_(std::move(repository)), restic_(std::move(restic)) {
    if (repository_.environmentFile) {
        environment_ = readEnvironmentFile(*repository_.environmentFile);
    }
    environment_["RESTIC_REPOSITORY"] = repository_.url;
    environment_["RESTIC_PASSWORD_FILE"] = repository_.passwordFile.string();
    environment_.erase("RESTIC_PASSWORD"); // only ever through the file
}

std::vector<std::string> ReadOnlyRestic::arguments(ReadOperation op, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--no-lock"};
    switch (op) {
    case ReadOperation::Snapshots:
        args.push_back("snapshots");
        break;
    case ReadOperation::List:
        args.push_back("ls");
        break;
    case ReadOperation::Restore:
        args.push_back("restore");
        break;
    case ReadOperation::Check:
        args.push_back("check");
        break;
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

util::ProcessResult ReadOnlyRestic::run(ReadOperation op, const std::vector<std::string>& extra,
                                        std::chrono::milliseconds deadline) const {
    auto args = arguments(op, extra);
    assertReadOnly(args);
    std::vector<std::string> argv = {restic_};
    argv.insert(argv.end(), args.begin(), args.end());
    util::ProcessOptions po;
    po.environment = environment_;
    po.deadline = deadline;
    return util::runProcess(argv, po);
}

std::vector<Snapshot> parseSnapshots(const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // parse_error, or out_of_range for a number too large for a double ("1e400").
        throw util::InputError(std::string("restic snapshots --json: not JSON (truncated?): ") + e.what());
    }
    if (!j.is_array()) {
        throw util::InputError("restic snapshots --json: expected a list");
    }
    std::vector<Snapshot> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& s = j[i];
        if (!s.is_object() || !s.contains("id") || !s["id"].is_string() || !s.contains("time") ||
            !s["time"].is_string()) {
            throw util::InputError("restic snapshots --json: /" + std::to_string(i) + " has no id and time");
        }
        // hostname and paths are informative: a value of another type is ignored, not fatal.
        std::string hostname =
            s.contains("hostname") && s["hostname"].is_string() ? s["hostname"].get<std::string>() : "";
        Snapshot snap{s["id"].get<std::string>(), s["time"].get<std::string>(), {}, hostname};
        if (s.contains("paths") && s["paths"].is_array()) {
            for (const auto& p : s["paths"]) {
                if (p.is_string()) {
                    snap.paths.push_back(p.get<std::string>());
                }
            }
        }
        out.push_back(std::move(snap));
    }
    return out;
}

std::vector<SnapshotNode> parseNodes(const std::string& text) {
    std::vector<SnapshotNode> out;
    std::istringstream in(text);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) {
            continue;
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            // parse_error, or out_of_range for a number too large for a double ("1e400").
            throw util::InputError("restic ls --json: line " + std::to_string(number) + " is not JSON: " + e.what());
        }
        auto text = [&](const char* key) {
            return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
        };
        // A float or negative number here would make the conversion undefined or wrap.
        auto unsignedField = [&](const char* key) -> std::uint64_t {
            if (!j.contains(key)) {
                return 0;
            }
            if (!j[key].is_number_unsigned()) {
                throw util::InputError("restic ls --json: line " + std::to_string(number) + ": /" + key +
                                       " is not a non-negative integer");
            }
            return j[key].get<std::uint64_t>();
        };
        if (text("struct_type") != "node") {
            continue;
        }
        SnapshotNode n;
        n.path = text("path");
        n.type = text("type");
        n.size = unsignedField("size");
        n.mode = static_cast<unsigned>(unsignedField("mode") & 07777);
        if (n.path.empty() || n.path.front() != '/') {
            throw util::InputError("restic ls --json: line " + std::to_string(number) + " has no absolute path");
        }
        out.push_back(std::move(n));
    }
    return out;
}

std::vector<Snapshot> ReadOnlyRestic::snapshots() const {
    auto r = run(ReadOperation::Snapshots, {"--json"}, std::chrono::minutes(5));
    if (r.exitCode != 0) {
        throw util::SystemError("restic snapshots failed (exit " + std::to_string(r.exitCode) + "): " + r.err);
    }
    return parseSnapshots(r.out);
}

std::vector<SnapshotNode> ReadOnlyRestic::list(const std::string& snapshotId) const {
    auto r = run(ReadOperation::List, {"--json", snapshotId}, std::chrono::minutes(10));
    if (r.exitCode != 0) {
        throw util::SystemError("restic ls failed (exit " + std::to_string(r.exitCode) + "): " + r.err);
    }
    return parseNodes(r.out);
}

} // namespace nixdrill::verify
