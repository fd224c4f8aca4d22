///@file Image-booted guests on libvirt.
#include "guest/libvirt_guest.hpp"

#include "guest/errors.hpp"
#include "util/error.hpp"
#include "vm/libvirt_error.hpp"
#include "vm/owner.hpp"

#include <fstream>
#include <sstream>

namespace nixdrill::guest {

namespace {

using Seconds = std::chrono::duration<double>;

} // namespace

ImageGuest::ImageGuest(vm::Connection& connection, GuestImage image, GuestConfig config)
    : image_(std::move(image)), config_(std::move(config)), connection_(connection) {}

ImageGuest::~ImageGuest() {
    destroy();
}

void ImageGuest::start() {
    if (domain_) {
        throw GuestBroken("guest " + config_.name + " is already started");
    }
    auto t0 = Clock::now();
    try {
        runDir_.emplace(config_.name.substr(config_.name.rfind("nixdrill-", 0) == 0 ? 9 : 0), config_.runRoot);
        vm::DomainSpec spec;
        spec.name = config_.name;
        spec.accelerator = config_.accelerator;
        spec.memoryMiB = config_.memoryMiB;
        spec.vcpus = config_.vcpus;
        spec.kernel = image_.kernel;
        spec.initrd = image_.initrd;
        spec.cmdline = image_.cmdline + (config_.extraCmdline.empty() ? "" : " " + config_.extraCmdline);
        spec.disks = prepareDisks(runDir_->path());
        spec.disks.insert(spec.disks.end(), config_.disks.begin(), config_.disks.end());
        spec.shares = config_.shares;
        spec.agentChannel = image_.agentChannel;
        spec.consoleLog = runDir_->path() / "console.log";
        spec.network = config_.network;
        spec.owner = vm::OwnerMetadata{vm::Owner::self(), config_.runId, runDir_->path()};
        auto t1 = Clock::now();
        bootTimes_.prepare = t1 - t0;

        domain_.emplace(connection_.createDomain(spec));
        auto t2 = Clock::now();
        bootTimes_.create = t2 - t1;
        transport_ = std::make_unique<DomainAgentTransport>(*domain_);
        agent_ = std::make_unique<Agent>(*transport_);
        try {
            agent_->waitUntilConnected(config_.bootTimeout);
        } catch (const WaitTimedOut& e) {
            throw GuestBroken(std::string("the guest agent did not answer: ") + e.what() + "\nlast console lines:\n" +
                              consoleTail(30));
        } catch (const vm::NoDomainError&) {
            throw GuestBroken("the VM stopped while booting (kernel panic or power-off)\nlast console lines:\n" +
                              consoleTail(30));
        }
        bootTimes_.agent = Clock::now() - t2;
    } catch (util::Error& e) {
        e.addContext("while starting " + std::string(toString(image_.kind)) + " guest " + config_.name);
        destroy();
        throw;
    }
}

bool ImageGuest::isUp() {
    if (!domain_ || !agent_) {
        return false;
    }
    try {
        return domain_->isActive() && agent_->ping();
    } catch (const vm::NoDomainError&) {
        return false;
    }
}

void ImageGuest::shutdown(std::chrono::milliseconds timeout) {
    if (!domain_) {
        return;
    }
    try {
        std::string requestError;
        try {
            domain_->shutdown(vm::ShutdownMode::Agent);
        } catch (const vm::AgentCommandError& e) {
            // qemu-ga runs the shutdown command as a child; when poweroff wins the race and kills
            // it, the agent reports "child process has terminated abnormally" although the guest
            // is going down. Whether it really goes down is decided by the wait below.
            requestError = std::string("; the shutdown request said: ") + e.what();
        }
        if (!domain_->waitUntilGone(timeout)) {
            destroy();
            throw WaitTimedOut("guest " + config_.name + " did not power off within " + formatSeconds(timeout) +
                               "; destroyed it" + requestError);
        }
    } catch (const vm::NoDomainError&) {
        // already gone
    }
    destroy();
}

void ImageGuest::destroy() noexcept {
    agent_.reset();
    transport_.reset();
    if (domain_) {
        try {
            domain_->destroy();
        } catch (const std::exception&) {
            // the Domain destructor tries again; the sweep catches anything left
        }
        domain_.reset();
    }
    runDir_.reset();
}

ExecResult ImageGuest::exec(std::string_view command, std::chrono::milliseconds timeout,
                            std::optional<std::string> input) {
    try {
        return agent().run(command, timeout, std::move(input));
    } catch (const vm::NoDomainError& e) {
        throw GuestBroken(std::string("guest ") + config_.name + " is gone: " + e.what());
    }
}

Agent& ImageGuest::agent() {
    if (!agent_) {
        throw GuestBroken("guest " + config_.name + " is not started");
    }
    return *agent_;
}

std::filesystem::path ImageGuest::runDir() const {
    return runDir_ ? runDir_->path() : std::filesystem::path();
}

std::string ImageGuest::consoleLog() const {
    if (!runDir_) {
        return "";
    }
    std::ifstream in(runDir_->path() / "console.log", std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string ImageGuest::consoleTail(std::size_t lines) const {
    auto log = consoleLog();
    std::size_t pos = log.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
        pos = log.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            pos = 0;
            break;
        }
    }
    return log.empty() ? "(console empty)" : log.substr(pos);
}

std::vector<vm::DiskSpec> InitramfsGuest::prepareDisks(const std::filesystem::path&) {
    return {};
}

std::vector<vm::DiskSpec> SystemdGuest::prepareDisks(const std::filesystem::path& dir) {
    if (!image_.rootDisk) {
        throw util::InputError("the systemd guest image " + image_.dir.string() + " has no root disk");
    }
    auto overlay = dir / "root.qcow2";
    vm::createOverlay(overlay, image_.rootDisk->path, image_.rootDisk->format);
    vm::DiskSpec root;
    root.path = overlay;
    root.format = "qcow2";
    root.target = "vda";
    return {root};
}

std::unique_ptr<ImageGuest> makeGuest(GuestKind kind, vm::Connection& connection, GuestImage image,
                                      GuestConfig config) {
    if (image.kind != kind) {
        throw util::InputError("a " + std::string(toString(kind)) + " guest needs a " + std::string(toString(kind)) +
                               " image, not " + std::string(toString(image.kind)) + " (" + image.dir.string() + ")");
    }
    switch (kind) {
    case GuestKind::Initramfs:
        return std::make_unique<InitramfsGuest>(connection, std::move(image), std::move(config));
    case GuestKind::Systemd:
        return std::make_unique<SystemdGuest>(connection, std::move(image), std::move(config));
    case GuestKind::NixOS:
        break;
    }
    throw util::InputError("NixOS guests are not implemented yet");
}

} // namespace nixdrill::guest
