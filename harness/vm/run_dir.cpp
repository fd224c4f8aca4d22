///@file Run directories and qcow2 overlays.
#include "vm/run_dir.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "vm/owner.hpp"
#include "vm/signal_cleanup.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace nixdrill::vm {

std::filesystem::path RunDir::defaultRoot() {
    const char* root = std::getenv("NIXDRILL_RUN_ROOT");
    return root != nullptr && *root != '\0' ? std::filesystem::path(root) : std::filesystem::path("/var/tmp/nixdrill");
}

RunDir::RunDir(std::string_view tag, const std::filesystem::path& root) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) {
        throw util::SystemError("cannot create " + root.string() + ": " + ec.message());
    }
    std::string pattern = (root / ("nixdrill-" + std::string(tag) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw util::SystemError("cannot create a run directory in " + root.string() + ": " + std::strerror(errno));
    }
    path_ = pattern;
    // mkdtemp makes it 0700, and so it stays: overlays hold the drill's repository password
    // and data. QEMU runs as root (scripts/vm/start-libvirt.sh configures qemu.conf so).
    ::chmod(path_.c_str(), 0700);
    cleanupId_ = detail::registerDirectory(path_);
    try {
        util::writeFileAtomic(path_ / ownerFile, Owner::self().serialize() + "\n");
    } catch (...) {
        reset();
        throw;
    }
}

RunDir::~RunDir() {
    reset();
}

RunDir::RunDir(RunDir&& other) noexcept
    : path_(std::move(other.path_)), cleanupId_(other.cleanupId_), keep_(other.keep_) {
    other.path_.clear();
    other.cleanupId_ = 0;
}

RunDir& RunDir::operator=(RunDir&& other) noexcept {
    if (this != &other) {
        reset();
        path_ = std::move(other.path_);
        cleanupId_ = other.cleanupId_;
        keep_ = other.keep_;
        other.path_.clear();
        other.cleanupId_ = 0;
    }
    return *this;
}

void RunDir::keep() noexcept {
    keep_ = true;
    if (cleanupId_ != 0) {
        detail::unregister(cleanupId_);
        cleanupId_ = 0;
    }
}

void RunDir::reset() noexcept {
    if (cleanupId_ != 0) {
        detail::unregister(cleanupId_);
        cleanupId_ = 0;
    }
    if (!path_.empty() && !keep_) {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    path_.clear();
}

void createOverlay(const std::filesystem::path& overlay, const std::filesystem::path& backing,
                   std::string_view backingFormat) {
    std::vector<std::string> argv{"qemu-img",
                                  "create",
                                  "-q",
                                  "-f",
                                  "qcow2",
                                  "-F",
                                  std::string(backingFormat),
                                  "-b",
                                  std::filesystem::absolute(backing).string(),
                                  overlay.string()};
    util::ProcessOptions options;
    options.deadline = std::chrono::seconds(60);
    auto result = util::runProcess(argv, options);
    if (result.exitCode != 0) {
        throw util::SystemError("cannot create overlay " + overlay.string() + " on " + backing.string() + ": " +
                                util::quoteCommand(argv) + " exited with " + std::to_string(result.exitCode) + ": " +
                                result.err);
    }
    // The guest writes its secrets into the overlay: only the owner may read it.
    if (::chmod(overlay.c_str(), 0600) != 0) {
        throw util::SystemError("cannot make overlay " + overlay.string() + " private: " + std::strerror(errno));
    }
}

} // namespace nixdrill::vm
