///@file Unprotected state: what nothing covers, grouped by directory.
#include "verify/state_audit.hpp"

#include <algorithm>
#include <map>

namespace nixdrill::verify {

bool isUnder(std::string_view path, std::string_view root) {
    if (root == "/") {
        return !path.empty() && path.front() == '/';
    }
    return path.substr(0, root.size()) == root && (path.size() == root.size() || path[root.size()] == '/');
}

std::vector<UnprotectedGroup> unprotectedState(const std::vector<std::string>& written,
                                               const std::vector<std::string>& declared,
                                               const std::vector<std::string>& allowed) {
    auto covered = [](const std::string& path, const std::vector<std::string>& roots) {
        return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) { return isUnder(path, r); });
    };
    std::map<std::string, std::vector<std::string>> byDir;
    for (const auto& path : written) {
        if (covered(path, declared) || covered(path, allowed)) {
            continue;
        }
        auto slash = path.rfind('/');
        auto dir = slash == 0 ? std::string("/") : path.substr(0, slash);
        byDir[dir].push_back(path.substr(slash + 1));
    }
    std::vector<UnprotectedGroup> out;
    for (auto& [dir, files] : byDir) {
        std::sort(files.begin(), files.end());
        files.erase(std::unique(files.begin(), files.end()), files.end());
        out.push_back({dir, std::move(files)});
    }
    return out;
}

std::string describeUnprotected(const std::vector<UnprotectedGroup>& groups, std::size_t maxGroups) {
    std::string out;
    for (std::size_t i = 0; i < groups.size() && i < maxGroups; ++i) {
        const auto& g = groups[i];
        out += g.directory + ": " + std::to_string(g.files.size()) + " file(s) (";
        for (std::size_t k = 0; k < g.files.size() && k < 3; ++k) {
            out += (k == 0 ? "" : ", ") + g.files[k];
        }
        out += g.files.size() > 3 ? ", ...)\n" : ")\n";
    }
    if (groups.size() > maxGroups) {
        out += "... and " + std::to_string(groups.size() - maxGroups) + " more directories\n";
    }
    return out;
}

std::string allowEntryProblem(std::string_view entry) {
    if (entry.empty() || entry.front() != '/') {
        return "'" + std::string(entry) + "' is relative: allow-list entries are absolute paths";
    }
    if (entry.size() > 1 && entry.back() == '/') {
        return "'" + std::string(entry) + "' ends in '/': write the directory without it";
    }
    for (std::size_t start = 1; entry.size() > 1;) {
        auto end = entry.find('/', start);
        auto part = entry.substr(start, end - start); // to the end when there is no further '/'
        if (part.empty() || part == "." || part == "..") {
            return "'" + std::string(entry) + "' is not normalised (an empty, '.' or '..' component)";
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return "";
}

} // namespace nixdrill::verify
