///@file Sweep of leftovers of dead runs.
#include "vm/sweep.hpp"

#include "vm/libvirt_error.hpp"
#include "vm/owner.hpp"

#include <chrono>
#include <fstream>

namespace nixdrill::vm {

namespace {

bool isSweepableDir(const std::filesystem::path& dir, const std::filesystem::path& runRoot) {
    std::error_code ec;
    return dir.parent_path() == runRoot && dir.filename().string().rfind("nixdrill-", 0) == 0 &&
           std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec));
}

void removeDir(const std::filesystem::path& dir, SweepReport& report) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) {
        report.problems.push_back("cannot remove " + dir.string() + ": " + ec.message());
    } else {
        report.removedDirectories.push_back(dir);
    }
}

} // namespace

SweepReport sweepLeftovers(Connection& connection, const std::filesystem::path& runRoot) {
    SweepReport report;
    std::filesystem::path root = std::filesystem::absolute(runRoot).lexically_normal();
    for (const auto& summary : connection.listDomains("nixdrill-")) {
        if (!summary.owner || summary.owner->owner.isAlive()) {
            continue;
        }
        try {
            if (auto domain = connection.lookupDomain(summary.name)) {
                domain->destroy();
                report.destroyedDomains.push_back(summary.name);
            }
        } catch (const LibvirtError& e) {
            report.problems.push_back(e.what());
            continue;
        }
        auto dir = summary.owner->runDir.lexically_normal();
        if (!dir.empty() && isSweepableDir(dir, root)) {
            removeDir(dir, report);
        }
    }

    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
        const auto& dir = entry.path();
        if (!isSweepableDir(dir, root)) {
            continue;
        }
        std::ifstream in(dir / RunDir::ownerFile);
        std::string line;
        std::getline(in, line);
        auto owner = Owner::parse(line);
        if (!owner) {
            // Between mkdtemp and writing the owner file, or not ours: only old ones go.
            auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(dir, ec);
            if (ec || age < std::chrono::hours(1)) {
                continue;
            }
        } else if (owner->isAlive()) {
            continue;
        }
        removeDir(dir, report);
    }
    return report;
}

} // namespace nixdrill::vm
