///@file Manifests of file trees and their comparison.
#include "verify/manifest.hpp"

#include "util/error.hpp"

#include <charconv>
#include <cstdio>
#include <fnmatch.h>

namespace nixdrill::verify {

namespace {

// Records: "E" type mode uid gid size path target | "M" path | "H" sha256 path; each field
// NUL-terminated. find's %m prints the mode in octal, %y the type letter.
constexpr std::string_view script = R"SH(set -eu
root=$1
shift
cd "$root"
for p in "$@"; do
    if [ ! -e ".$p" ] && [ ! -L ".$p" ]; then
        printf 'M\0%s\0' "$p"
        continue
    fi
    find ".$p" -printf 'E\0%y\0%m\0%U\0%G\0%s\0%p\0%l\0'
    # "HASH  PATH\0" -> "H\0HASH\0PATH\0" in one sed: a shell read loop reads pipes a byte at
    # a time and halved the throughput (49% of bare sha256sum in a TCG guest).
    find ".$p" -type f -print0 | xargs -0 -r sha256sum -z | sed -z 's/^\([0-9a-f]\{64\}\)  /H\x00\1\x00/'
done
)SH";

// Only digits of `base` (8 or 10), the whole field: from_chars takes no sign, space or prefix for an
// unsigned type, and reports a value beyond unsigned long long instead of wrapping it.
unsigned long long number(std::string_view s, int base, std::size_t record, const char* what) {
    auto bad = [&](std::string_view why) {
        return util::InputError("manifest record " + std::to_string(record) + ": bad " + what + " '" + std::string(s) +
                                "'" + std::string(why));
    };
    // More than 20 characters was always refused (even zero-padded); kept so no other input changes.
    if (s.empty() || s.size() > 20) {
        throw bad("");
    }
    unsigned long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec == std::errc::result_out_of_range) {
        throw bad(" (out of range)");
    }
    if (ec != std::errc() || end != s.data() + s.size()) {
        throw bad("");
    }
    return v;
}

// "./var/lib/x" -> "/var/lib/x"
std::string rootedPath(std::string_view p) {
    if (p.rfind("./", 0) == 0) {
        return std::string(p.substr(1));
    }
    if (p == ".") {
        return "/";
    }
    return std::string(p);
}

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        if (end > start) {
            out.emplace_back(path.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

// Does pattern[pi..] match a prefix of path[xi..]? (A matched prefix excludes its subtree.)
bool matchPrefix(const std::vector<std::string>& pat, std::size_t pi, const std::vector<std::string>& path,
                 std::size_t xi) {
    if (pi == pat.size()) {
        return true;
    }
    if (pat[pi] == "**") {
        for (std::size_t k = xi; k <= path.size(); ++k) {
            if (matchPrefix(pat, pi + 1, path, k)) {
                return true;
            }
        }
        return false;
    }
    if (xi == path.size()) {
        return false;
    }
    if (::fnmatch(pat[pi].c_str(), path[xi].c_str(), 0) != 0) {
        return false;
    }
    return matchPrefix(pat, pi + 1, path, xi + 1);
}

std::string octal(unsigned v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", v);
    return buf;
}

} // namespace

std::vector<std::string_view> splitNul(std::string_view text, std::string_view what) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\0', start);
        if (end == std::string_view::npos) {
            throw util::InputError(std::string(what) + " ends inside a field (truncated?)");
        }
        fields.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return fields;
}

std::string_view manifestScript() {
    return script;
}

std::string_view toString(EntryType type) noexcept {
    switch (type) {
    case EntryType::File:
        return "file";
    case EntryType::Directory:
        return "directory";
    case EntryType::Symlink:
        return "symlink";
    case EntryType::Other:
        return "other";
    }
    return "other";
}

ParsedManifest parseManifest(std::string_view output, bool allowVanished) {
    ParsedManifest m;
    auto fields = splitNul(output);
    std::map<std::string, std::string> hashes;
    std::size_t record = 0;
    for (std::size_t i = 0; i < fields.size(); ++record) {
        auto tag = fields[i];
        auto need = [&](std::size_t n) {
            if (i + n > fields.size()) {
                throw util::InputError("manifest record " + std::to_string(record) + " ('" + std::string(tag) +
                                       "') is truncated");
            }
        };
        if (tag == "M") {
            need(2);
            m.missingRoots.emplace_back(fields[i + 1]);
            i += 2;
        } else if (tag == "E") {
            need(8);
            ManifestEntry e;
            auto t = fields[i + 1];
            e.type = t == "f"   ? EntryType::File
                     : t == "d" ? EntryType::Directory
                     : t == "l" ? EntryType::Symlink
                                : EntryType::Other;
            e.mode = static_cast<unsigned>(number(fields[i + 2], 8, record, "mode"));
            e.uid = static_cast<unsigned>(number(fields[i + 3], 10, record, "uid"));
            e.gid = static_cast<unsigned>(number(fields[i + 4], 10, record, "gid"));
            e.size = e.type == EntryType::File ? number(fields[i + 5], 10, record, "size") : 0;
            e.path = rootedPath(fields[i + 6]);
            if (e.type == EntryType::Symlink) {
                e.target = std::string(fields[i + 7]);
            }
            m.entries[e.path] = std::move(e);
            i += 8;
        } else if (tag == "H") {
            need(3);
            auto hash = fields[i + 1];
            if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
                throw util::InputError("manifest record " + std::to_string(record) + ": bad sha256 '" +
                                       std::string(hash) + "'");
            }
            hashes[rootedPath(fields[i + 2])] = std::string(hash);
            i += 3;
        } else {
            throw util::InputError("manifest record " + std::to_string(record) + ": unknown tag '" + std::string(tag) +
                                   "'");
        }
    }
    for (auto it = m.entries.begin(); it != m.entries.end();) {
        auto& [path, e] = *it;
        if (e.type != EntryType::File) {
            ++it;
            continue;
        }
        auto h = hashes.find(path);
        if (h != hashes.end()) {
            e.sha256 = h->second;
            ++it;
        } else if (allowVanished) {
            m.vanished.push_back(path);
            it = m.entries.erase(it);
        } else {
            throw util::InputError("manifest: file '" + path + "' has no sha256 record");
        }
    }
    return m;
}

bool isExcluded(std::string_view path, const std::vector<std::string>& patterns) {
    auto parts = components(path);
    for (const auto& pattern : patterns) {
        if (pattern.empty()) {
            continue;
        }
        auto pat = components(pattern);
        if (pat.empty()) {
            continue;
        }
        if (pattern.front() == '/') {
            if (matchPrefix(pat, 0, parts, 0)) {
                return true;
            }
            continue;
        }
        for (std::size_t start = 0; start < parts.size(); ++start) {
            if (matchPrefix(pat, 0, parts, start)) {
                return true;
            }
        }
    }
    return false;
}

Manifest withoutExcluded(const Manifest& manifest, const std::vector<std::string>& patterns) {
    Manifest out;
    for (const auto& [path, e] : manifest) {
        if (!isExcluded(path, patterns)) {
            out.emplace(path, e);
        }
    }
    return out;
}

std::vector<ManifestDifference> compareManifests(const Manifest& expected, const Manifest& actual) {
    std::vector<ManifestDifference> out;
    for (const auto& [path, e] : expected) {
        auto it = actual.find(path);
        if (it == actual.end()) {
            out.push_back({path, "missing", std::string(toString(e.type)), ""});
            continue;
        }
        const auto& a = it->second;
        if (e.type != a.type) {
            out.push_back({path, "type", std::string(toString(e.type)), std::string(toString(a.type))});
            continue;
        }
        if (e.type == EntryType::File) {
            if (e.size != a.size) {
                out.push_back({path, "size", std::to_string(e.size), std::to_string(a.size)});
            }
            if (e.sha256 != a.sha256) {
                out.push_back({path, "sha256", e.sha256, a.sha256});
            }
        }
        if (e.type == EntryType::Symlink && e.target != a.target) {
            out.push_back({path, "target", e.target, a.target});
        }
        if (e.type != EntryType::Symlink && e.mode != a.mode) {
            out.push_back({path, "mode", octal(e.mode), octal(a.mode)});
        }
        if (e.uid != a.uid) {
            out.push_back({path, "uid", std::to_string(e.uid), std::to_string(a.uid)});
        }
        if (e.gid != a.gid) {
            out.push_back({path, "gid", std::to_string(e.gid), std::to_string(a.gid)});
        }
    }
    for (const auto& [path, a] : actual) {
        if (!expected.contains(path)) {
            out.push_back({path, "unexpected", "", std::string(toString(a.type))});
        }
    }
    return out;
}

std::vector<model::Mismatch> toMismatches(const std::vector<ManifestDifference>& differences) {
    std::vector<model::Mismatch> out;
    for (const auto& d : differences) {
        model::Mismatch m;
        m.pointer = "/files" + d.path;
        if (d.what != "unexpected") {
            m.expected = d.expected;
        }
        if (d.what != "missing") {
            m.actual = d.actual;
        }
        m.note = d.what;
        out.push_back(std::move(m));
    }
    return out;
}

} // namespace nixdrill::verify
