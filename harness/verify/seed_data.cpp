///@file Deterministic seed data for drills.
#include "verify/seed_data.hpp"

#include "util/error.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace nixdrill::verify {

std::uint64_t SeedRandom::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t stableHash(std::string_view text, std::uint64_t seed) {
    std::uint64_t h = 0xCBF29CE484222325ULL ^ seed;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001B3ULL;
    }
    return h;
}

namespace {

const char* const plainNames[] = {"alpha", "beta",  "gamma", "delta", "config",
                                  "data",  "index", "notes", "blob",  "state"};
const char* const fancyNames[] = {"données", "été 2024",         "写真",    "naïve café",
                                  "Ωmega",   "file with spaces", "ünïcödé", "日本語のファイル"};
const char* const extensions[] = {".txt", ".bin", ".json", ".db", ""};
const unsigned modes[] = {0644, 0600, 0640, 0755, 0444};
const unsigned owners[][2] = {{0, 0}, {1000, 1000}, {999, 998}, {0, 100}};

std::string content(SeedRandom& rng, std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        auto v = rng.next();
        for (std::size_t k = 0; k < 8 && i + k < size; ++k) {
            out[i + k] = static_cast<char>((v >> (8 * k)) & 0xFF);
        }
    }
    return out;
}

std::string join(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

} // namespace

std::vector<SeedEntry> planSeed(const std::string& root, const SeedSpec& spec, std::uint64_t seed) {
    SeedRandom rng(stableHash(root, seed));
    std::vector<SeedEntry> entries;
    std::set<std::string> used;
    auto addDir = [&](const std::string& path) {
        if (used.insert(path).second) {
            entries.push_back({path, SeedKind::Directory, 0755, 0, 0, "", ""});
        }
    };
    addDir(root);

    // A few nested directories; files go to random ones among them.
    std::vector<std::string> dirs = {root};
    for (unsigned d = 0; d < spec.depth; ++d) {
        std::string parent = dirs[rng.below(dirs.size())];
        std::string name = (spec.nonAscii && rng.below(3) == 0) ? fancyNames[rng.below(std::size(fancyNames))]
                                                                : plainNames[rng.below(std::size(plainNames))];
        std::string path = join(parent, "dir-" + std::to_string(d) + "-" + name);
        addDir(path);
        dirs.push_back(path);
    }

    std::vector<std::string> files;
    for (unsigned f = 0; f < spec.files; ++f) {
        std::string dir = dirs[rng.below(dirs.size())];
        std::string base = (spec.nonAscii && rng.below(4) == 0) ? fancyNames[rng.below(std::size(fancyNames))]
                                                                : plainNames[rng.below(std::size(plainNames))];
        std::string path = join(dir, base + "-" + std::to_string(f) + extensions[rng.below(std::size(extensions))]);
        // Mostly small files, an empty one now and then, sizes up to the maximum.
        std::size_t size = f % 7 == 3 ? 0 : static_cast<std::size_t>(rng.below(spec.maxFileSize + 1ULL));
        const auto& owner = owners[rng.below(std::size(owners))];
        SeedEntry e{path, SeedKind::File, modes[rng.below(std::size(modes))], owner[0], owner[1], content(rng, size),
                    ""};
        used.insert(path);
        files.push_back(path);
        entries.push_back(std::move(e));
    }

    for (unsigned s = 0; s < spec.symlinks && !files.empty(); ++s) {
        std::string target = files[rng.below(files.size())];
        std::string dir = target.substr(0, target.rfind('/'));
        std::string path = join(dir, "link-" + std::to_string(s));
        if (used.insert(path).second) {
            entries.push_back({path, SeedKind::Symlink, 0777, 0, 0, "", target.substr(target.rfind('/') + 1)});
        }
    }

    // Files the registration's exclude patterns must keep out of the backup.
    unsigned n = 0;
    for (const auto& pattern : spec.excludePatterns) {
        if (pattern.rfind("*.", 0) == 0 && pattern.find_first_of("/*?[", 1) == std::string::npos) {
            for (unsigned k = 0; k < 2; ++k) {
                std::string path =
                    join(dirs[rng.below(dirs.size())], "excluded-" + std::to_string(n++) + pattern.substr(1));
                used.insert(path);
                entries.push_back({path, SeedKind::File, 0644, 0, 0, content(rng, 100 + rng.below(1000)), ""});
            }
        } else if (!pattern.empty() && pattern.find_first_of("/*?[") == std::string::npos) {
            std::string dir = join(root, pattern);
            addDir(dir);
            std::string path = join(dir, "excluded-" + std::to_string(n++) + ".bin");
            entries.push_back({path, SeedKind::File, 0644, 0, 0, content(rng, 100 + rng.below(1000)), ""});
        }
    }
    return entries;
}

std::string mutationScript(const std::vector<SeedEntry>& entries, std::uint64_t seed, const std::string& prefix) {
    SeedRandom rng(seed ^ 0x6D75746174650000ULL);
    std::string script = "set -eu\n";
    unsigned created = 0;
    for (const auto& e : entries) {
        if (e.kind != SeedKind::File || e.path.find("/excluded-") != std::string::npos) {
            continue;
        }
        switch (rng.below(6)) {
        case 0: // grow
            script += "printf 'mutated %s\\n' " + std::to_string(rng.next()) + " >> " +
                      util::shellQuote(prefix + e.path) + "\n";
            break;
        case 1: // delete
            script += "rm -f -- " + util::shellQuote(prefix + e.path) + "\n";
            break;
        case 2: // a sibling appears
            script += "printf 'new file %s\\n' " + std::to_string(rng.next()) + " > " +
                      util::shellQuote(prefix + e.path + ".new" + std::to_string(created++)) + "\n";
            break;
        default: // unchanged
            break;
        }
    }
    return script;
}

void writeSeedArchive(const std::vector<SeedEntry>& entries, const std::filesystem::path& hostRoot,
                      const std::filesystem::path& tarFile) {
    auto fail = [](const std::string& what, const std::filesystem::path& p) {
        throw util::SystemError("cannot " + what + " seed file '" + p.string() + "': " + std::strerror(errno));
    };
    for (const auto& e : entries) {
        auto p = hostRoot / std::filesystem::path(e.path).relative_path();
        switch (e.kind) {
        case SeedKind::Directory:
            std::filesystem::create_directories(p);
            break;
        case SeedKind::File: {
            std::filesystem::create_directories(p.parent_path());
            std::ofstream out(p, std::ios::binary | std::ios::trunc);
            out.write(e.content.data(), static_cast<std::streamsize>(e.content.size()));
            if (!out) {
                fail("write", p);
            }
            break;
        }
        case SeedKind::Symlink:
            std::filesystem::create_directories(p.parent_path());
            if (::symlink(e.target.c_str(), p.c_str()) != 0) {
                fail("create symlink", p);
            }
            break;
        }
        if (::lchown(p.c_str(), e.uid, e.gid) != 0) {
            fail("chown", p);
        }
        if (e.kind != SeedKind::Symlink && ::chmod(p.c_str(), e.mode) != 0) {
            fail("chmod", p);
        }
    }
    auto r = util::runProcess(
        {"tar", "--numeric-owner", "--sort=name", "-cpf", tarFile.string(), "-C", hostRoot.string(), "."});
    if (r.exitCode != 0) {
        throw util::SystemError("tar failed to pack the seed data: " + r.err);
    }
}

} // namespace nixdrill::verify
