///@file Readers and formatters of guest command output shared by the step families.
#include "engine/drill/text.hpp"

#include <cstdio>
#include <sstream>

namespace nixdrill::engine::drill {

using nlohmann::json;

std::string stringOr(const json& j, const char* key, const std::string& fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::map<std::string, std::string> parseShow(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) {
            out[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return out;
}

double microsToSeconds(const std::string& text) {
    try {
        return static_cast<double>(std::stoull(text)) / 1e6;
    } catch (const std::exception&) {
        return -1;
    }
}

std::string fmt(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", seconds);
    return buf;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::string dirOf(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string metricValue(const std::string& text, const std::string& metric) {
    std::istringstream in(text);
    std::string line;
    bool category = metric == "category";
    std::string name = category ? "restic_backup_last_run_info{" : metric + "{";
    while (std::getline(in, line)) {
        if (line.rfind(name, 0) != 0) {
            continue;
        }
        if (category) {
            auto at = line.find("category=\"");
            if (at == std::string::npos) {
                return "";
            }
            at += 10;
            return line.substr(at, line.find('"', at) - at);
        }
        return line.substr(line.rfind(' ') + 1);
    }
    return "";
}

std::vector<std::string> psqlFields(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t bar; (bar = text.find('|', start)) != std::string::npos; start = bar + 1) {
        out.push_back(text.substr(start, bar - start));
    }
    out.push_back(text.substr(start));
    return out;
}

std::string joinLines(const std::vector<std::string>& lines, const std::string& heading) {
    std::string out = heading;
    for (const auto& line : lines) {
        out += (out.empty() && heading.empty() ? "" : "\n") + line;
    }
    return out;
}

} // namespace nixdrill::engine::drill
