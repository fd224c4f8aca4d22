///@file Signal-triggered cleanup: a self-pipe wakes a thread that destroys registered domains.
#include "vm/signal_cleanup.hpp"

#include "util/error.hpp"
#include "util/process.hpp"
#include "vm/libvirt_error.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <variant>

namespace nixdrill::vm {

namespace {

struct DomainEntry {
    std::string uri;
    std::string name;
};

struct Registry {
    std::mutex mutex;
    std::uint64_t nextId = 1;
    std::map<std::uint64_t, std::variant<DomainEntry, std::filesystem::path>> entries;
};

Registry& registry() {
    static Registry instance;
    return instance;
}

int pipeWrite = -1;
std::atomic<int> signalsSeen{0};

extern "C" void onSignal(int sig) {
    if (signalsSeen.fetch_add(1) > 0) {
        // Second signal while cleaning up: the user insists, die now.
        ::signal(sig, SIG_DFL);
        ::raise(sig);
        return;
    }
    auto byte = static_cast<unsigned char>(sig);
    [[maybe_unused]] auto written = ::write(pipeWrite, &byte, 1);
}

void cleanupThread(int pipeRead) {
    unsigned char byte = 0;
    while (::read(pipeRead, &byte, 1) < 0 && errno == EINTR) {
    }
    detail::cleanupRegistered();
    int sig = byte;
    ::signal(sig, SIG_DFL);
    ::kill(::getpid(), sig);
}

} // namespace

void installSignalCleanup() {
    static std::once_flag once;
    std::call_once(once, [] {
        detail::initLibvirt();
        util::keepBrokenPipesFromKilling(); // libvirt writes to libvirtd's socket
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw util::SystemError(std::string("cannot create the signal cleanup pipe: ") + std::strerror(errno));
        }
        pipeWrite = fds[1];
        std::thread(cleanupThread, fds[0]).detach();
        struct sigaction action {};
        action.sa_handler = onSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
            ::sigaction(sig, &action, nullptr);
        }
    });
}

namespace detail {

std::uint64_t registerDomain(const std::string& uri, const std::string& name) {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.entries.emplace(r.nextId, DomainEntry{uri, name});
    return r.nextId++;
}

std::uint64_t registerDirectory(const std::filesystem::path& path) {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.entries.emplace(r.nextId, path);
    return r.nextId++;
}

void unregister(std::uint64_t id) noexcept {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.entries.erase(id);
}

std::size_t cleanupRegistered() noexcept {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    std::map<std::string, virConnectPtr> connections;
    std::size_t handled = 0;
    // Domains first: their disks live in the registered directories.
    for (const auto& [id, entry] : r.entries) {
        if (const auto* domain = std::get_if<DomainEntry>(&entry)) {
            auto& conn = connections[domain->uri];
            if (conn == nullptr) {
                conn = virConnectOpen(domain->uri.c_str());
            }
            if (conn != nullptr) {
                if (virDomainPtr dom = virDomainLookupByName(conn, domain->name.c_str())) {
                    virDomainDestroy(dom);
                    virDomainFree(dom);
                }
            }
            ++handled;
        }
    }
    for (const auto& [id, entry] : r.entries) {
        if (const auto* dir = std::get_if<std::filesystem::path>(&entry)) {
            std::error_code ec;
            std::filesystem::remove_all(*dir, ec);
            ++handled;
        }
    }
    r.entries.clear();
    for (auto& [uri, conn] : connections) {
        if (conn != nullptr) {
            virConnectClose(conn);
        }
    }
    return handled;
}

} // namespace detail

} // namespace nixdrill::vm
