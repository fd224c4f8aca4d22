///@file Image-booted guests on libvirt.
#include "guest/libvirt_guest.hpp"

#include "guest/errors.hpp"
#include "util/error.hpp"
#include "vm/libvirt_error.hpp"
#include "vm/owner.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nixdrill::guest {

namespace {

using Seconds = std::chrono::duration<double>;

} // namespace

vm::DomainSpec makeDomainSpec(const GuestImage& image, const GuestConfig& config, std::vector<vm::DiskSpec> rootDisks,
                              const std::filesystem::path& runDir) {
    vm::DomainSpec spec;
    spec.name = config.name;
    spec.accelerator = config.accelerator;
    spec.memoryMiB = config.memoryMiB;
    spec.vcpus = config.vcpus;
    spec.kernel = image.kernel;
    spec.initrd = image.initrd;
    spec.cmdline = image.cmdline + (config.extraCmdline.empty() ? "" : " " + config.extraCmdline);
    spec.disks = std::move(rootDisks);
    spec.disks.insert(spec.disks.end(), config.disks.begin(), config.disks.end());
    spec.shares = config.shares;
    spec.agentChannel = image.agentChannel;
    spec.consoleLog = runDir / "console.log";
    spec.network = config.network;
    return spec;
}

ImageGuest::ImageGuest(vm::Connection& connection, GuestImage image, GuestConfig config)
    : image_(std::move(image)), config_(std::move(config)), connection_(connection) {}

ImageGuest::~ImageGuest() {
    destroy();
}

void ImageGuest::start() {
    if (domain_) {
        throw GuestBroken("guest " + config_.name + " is already started");
    }
    bootTimes_ = BootTimes{};
    auto t0 = Clock::now();
    if (config_.network) {
        connection_.ensureIsolatedNetwork(); // the only network a drill guest may join
    }
    if (config_.warmStart) {
        try {
            if (startWarm(t0)) {
                return;
            }
        } catch (const util::Error& e) {
            // A cold boot is always possible: the drill goes on, and the report says why.
            dropDomain();
            bootTimes_ = BootTimes{};
            bootTimes_.note = "warm start failed, booted cold: " + e.describe();
            t0 = Clock::now();
        }
    }
    try {
        startCold(t0);
    } catch (util::Error& e) {
        e.addContext("while starting " + std::string(toString(image_.kind)) + " guest " + config_.name);
        destroy();
        throw;
    }
}

void ImageGuest::startCold(Clock::time_point t0) {
    runDir_.emplace(config_.name.substr(config_.name.rfind("nixdrill-", 0) == 0 ? 9 : 0), config_.runRoot);
    auto spec = makeDomainSpec(image_, config_, prepareDisks(runDir_->path()), runDir_->path());
    spec.owner = vm::OwnerMetadata{vm::Owner::self(), config_.runId, runDir_->path()};
    auto t1 = Clock::now();
    bootTimes_.prepare = t1 - t0;

    domain_.emplace(connection_.createDomain(spec));
    auto t2 = Clock::now();
    bootTimes_.create = t2 - t1;
    connectAgent();
    bootTimes_.agent = Clock::now() - t2;
}

void ImageGuest::powerCycle(std::chrono::milliseconds bootTimeout) {
    if (!domain_) {
        throw GuestBroken("guest " + config_.name + " is not started");
    }
    try {
        // The live definition: the same disks (overlays keep what reached them), kernel and
        // command line, whether the guest was booted cold or restored from a saved state.
        auto xml = domain_->xml();
        auto name = domain_->name();
        retireAgent();
        transport_.reset();
        domain_->destroy();
        domain_.reset();
        domain_.emplace(connection_.createDomainFromXml(xml, name));
        auto saved = config_.bootTimeout;
        config_.bootTimeout = bootTimeout;
        try {
            connectAgent();
        } catch (...) {
            config_.bootTimeout = saved;
            throw;
        }
        config_.bootTimeout = saved;
    } catch (util::Error& e) {
        e.addContext("while power-cycling guest " + config_.name);
        throw;
    }
}

void ImageGuest::retireAgent() noexcept {
    if (agent_) {
        pastAgents_ += agent_->stats();
        agent_.reset();
    }
}

AgentStats ImageGuest::agentStats() const {
    AgentStats total = pastAgents_;
    if (agent_) {
        total += agent_->stats();
    }
    return total;
}

void ImageGuest::connectAgent() {
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
}

void ImageGuest::dropDomain() noexcept {
    retireAgent();
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
    // After the domain: another guest may take the slot (same name and UUID) only once it is gone.
    warmSlot_.reset();
    domainName_.clear();
    preparingConsole_.clear();
}

std::string ImageGuest::warmKey() const {
    // The shape of the domain with the per-drill paths normalised: two configs that render the
    // same XML can share a saved state.
    std::vector<vm::DiskSpec> disks;
    if (image_.rootDisk) {
        vm::DiskSpec root;
        root.path = "/warm/vda.qcow2";
        root.target = "vda";
        disks.push_back(root);
    }
    auto spec = makeDomainSpec(image_, config_, disks, "/warm");
    spec.name = "nixdrill-warm";
    spec.generationId = true;
    auto xml = vm::toDomainXml(spec);
    return vm::stableHash({"nixdrill-warm/1", toString(image_.kind), image_.key, image_.dir.string(), xml});
}

bool ImageGuest::startWarm(Clock::time_point t0) {
    if (!config_.disks.empty() || !config_.shares.empty()) {
        // Their content is per drill and cannot be part of a shared saved state.
        bootTimes_.note = "warm start not used: the guest has data disks or shares";
        return false;
    }
    vm::WarmCache cache(config_.warmRoot);
    cache.sweep();
    auto slot = cache.acquire(warmKey(), config_.warmSlots);
    if (!slot) {
        bootTimes_.note =
            "warm start not used: all " + std::to_string(config_.warmSlots) + " saved states of this shape are in use";
        return false;
    }
    bool saved = false;
    if (!slot->ready()) {
        slot->invalidate();
        try {
            prepareWarmSlot(*slot);
        } catch (util::Error& e) {
            slot->invalidate();
            e.addContext("while preparing the saved state in " + slot->dir().string());
            throw;
        }
        saved = true;
    }

    runDir_.emplace(config_.name.substr(config_.name.rfind("nixdrill-", 0) == 0 ? 9 : 0), config_.runRoot);
    Clock::time_point t1;
    try {
        vm::RestoreTarget target;
        for (const auto& disk : slot->frozenTargets()) {
            // The frozen overlay is never written again: each drill writes to its own overlay on it.
            auto overlay = runDir_->path() / (disk + ".qcow2");
            vm::createOverlay(overlay, slot->frozenDisk(disk), "qcow2");
            target.disks[disk] = overlay;
        }
        target.consoleLog = runDir_->path() / "console.log";
        target.owner = vm::OwnerMetadata{vm::Owner::self(), config_.runId, runDir_->path()};
        target.expectedName = slot->domainName();
        auto xml = vm::retargetSavedXml(connection_.savedStateXml(slot->statePath()), target);
        t1 = Clock::now();
        bootTimes_.prepare = t1 - t0;
        domain_.emplace(connection_.restoreDomain(slot->statePath(), xml, slot->domainName()));
    } catch (util::Error&) {
        // A damaged state, or one QEMU or libvirt no longer accepts (upgraded): save it again
        // next time.
        slot->invalidate();
        throw;
    }
    domainName_ = slot->domainName();
    auto t2 = Clock::now();
    bootTimes_.create = t2 - t1;
    connectAgent();
    auto t3 = Clock::now();
    syncAgent();
    setClockFromHost();
    auto t4 = Clock::now();
    bootTimes_.clockFix = t4 - t3;
    bootTimes_.agent = t4 - t2;
    bootTimes_.mode = saved ? "warm-saved" : "warm";
    slot->touch();
    warmSlot_ = std::move(slot);
    return true;
}

void ImageGuest::setClockFromHost() {
    // The saved system clock is as old as the state: set it before anything looks at the time.
    // Not guest-set-time: qemu-ga then runs `hwclock -w`, which took 5.3-5.7 s under TCG; the
    // emulated RTC follows the host clock across a restore (clock offset 'utc'), only the
    // system clock is stale. GNU date takes fractional seconds, busybox date whole ones.
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, "%09lld", static_cast<long long>(ns % 1000000000));
    auto seconds = std::to_string(ns / 1000000000);
    // date itself, without a shell: one process to spawn in a guest that may still be busy.
    protocol::ExecRequest request;
    request.path = "/bin/date";
    request.args = {"-u", "-s", "@" + seconds + "." + fraction};
    auto r = agent_->exec(request, std::chrono::seconds(30));
    if (!r.succeeded()) {
        request.args = {"-u", "-s", "@" + seconds};
        r = agent_->exec(request, std::chrono::seconds(30));
    }
    if (!r.succeeded()) {
        throw GuestBroken("cannot set the clock of the restored guest: " + r.describe());
    }
}

void ImageGuest::syncAgent() {
    // guest-sync echoes a fresh id: a reply left over from before the save cannot match it.
    static std::atomic<std::int64_t> counter{0};
    auto id =
        static_cast<std::int64_t>(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000) * 1000 +
        (counter++ % 1000);
    auto reply = transport_->command(R"({"execute":"guest-sync","arguments":{"id":)" + std::to_string(id) + "}}",
                                     std::chrono::seconds(10));
    auto parsed = nlohmann::json::parse(reply, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("return") || parsed["return"] != id) {
        throw GuestBroken("the guest agent answered guest-sync " + std::to_string(id) + " with " + reply);
    }
}

void ImageGuest::prepareWarmSlot(vm::WarmSlot& slot) {
    auto t0 = Clock::now();
    auto disks = prepareDisks(slot.dir());
    std::vector<std::string> frozen;
    for (auto& disk : disks) {
        auto path = slot.frozenDisk(disk.target);
        if (disk.path != path) {
            std::filesystem::rename(disk.path, path);
            disk.path = path;
        }
        frozen.push_back(disk.target);
    }
    auto spec = makeDomainSpec(image_, config_, disks, slot.dir());
    spec.name = slot.domainName();
    spec.consoleLog = slot.prepareConsole();
    spec.generationId = true;
    // No run directory: the sweep must never delete the cache.
    spec.owner = vm::OwnerMetadata{vm::Owner::self(), config_.runId, {}};
    preparingConsole_ = slot.prepareConsole();
    domain_.emplace(connection_.createDomain(spec));
    connectAgent();
    if (image_.kind != GuestKind::Initramfs) {
        // Saved after systemd finished booting: a restored guest starts with nothing pending.
        agent_->run("systemctl is-system-running --wait", std::chrono::minutes(3));
    }
    agent_->run("sync", std::chrono::minutes(1));
    domain_->save(slot.statePath());
    retireAgent();
    transport_.reset();
    domain_.reset(); // gone already: the save stopped it
    preparingConsole_.clear();
    std::vector<std::filesystem::path> dependsOn{image_.kernel};
    if (!image_.initrd.empty()) {
        dependsOn.push_back(image_.initrd);
    }
    if (image_.rootDisk) {
        dependsOn.push_back(image_.rootDisk->path);
    }
    slot.markReady(frozen, dependsOn,
                   std::string(toString(image_.kind)) + " guest " + image_.key + ", " +
                       std::to_string(config_.memoryMiB) + " MiB, " + std::to_string(config_.vcpus) + " vCPU");
    bootTimes_.save = Clock::now() - t0;
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
    dropDomain();
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
    if (!runDir_ && preparingConsole_.empty()) {
        return "";
    }
    std::ifstream in(runDir_ ? runDir_->path() / "console.log" : preparingConsole_, std::ios::binary);
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

namespace {

/// The image's root disk through a fresh qcow2 overlay in `dir` (vda): drills never write to the
/// shared image.
std::vector<vm::DiskSpec> rootOverlay(const GuestImage& image, const std::filesystem::path& dir) {
    if (!image.rootDisk) {
        throw util::InputError("the " + std::string(toString(image.kind)) + " guest image " + image.dir.string() +
                               " has no root disk");
    }
    auto overlay = dir / "root.qcow2";
    vm::createOverlay(overlay, image.rootDisk->path, image.rootDisk->format);
    vm::DiskSpec root;
    root.path = overlay;
    root.format = "qcow2";
    root.target = "vda";
    return {root};
}

} // namespace

std::vector<vm::DiskSpec> SystemdGuest::prepareDisks(const std::filesystem::path& dir) {
    return rootOverlay(image_, dir);
}

std::vector<vm::DiskSpec> NixosGuest::prepareDisks(const std::filesystem::path& dir) {
    return rootOverlay(image_, dir);
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
    case GuestKind::SystemdZfs:
        return std::make_unique<SystemdGuest>(connection, std::move(image), std::move(config));
    case GuestKind::NixOS:
        return std::make_unique<NixosGuest>(connection, std::move(image), std::move(config));
    }
    throw util::InputError("unknown guest kind");
}

} // namespace nixdrill::guest
