///@file Warm-start cache: saved-state XML rewriting, slots and their locks, the sweep.
#include "vm/saved_state.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

namespace nixdrill::vm {

namespace {

constexpr const char* metaFormat = "nixdrill-warm/1";

void setOwner(pugi::xml_node domain, const OwnerMetadata& owner) {
    auto metadata = domain.child("metadata");
    if (!metadata) {
        // libvirt wants <metadata> near the top; after <uuid> (or <name>) is where it puts it.
        auto after = domain.child("uuid") ? domain.child("uuid") : domain.child("name");
        metadata = domain.insert_child_after("metadata", after);
    }
    for (auto node = metadata.first_child(); node;) {
        auto next = node.next_sibling();
        std::string name = node.name();
        if (name == "owner" || (name.size() > 6 && name.substr(name.size() - 6) == ":owner")) {
            metadata.remove_child(node);
        }
        node = next;
    }
    auto element = metadata.append_child("nixdrill:owner");
    element.append_attribute("xmlns:nixdrill").set_value(std::string(ownerMetadataNamespace).c_str());
    element.append_attribute("process").set_value(owner.owner.serialize().c_str());
    element.append_attribute("run").set_value(owner.runId.c_str());
    element.append_attribute("dir").set_value(owner.runDir.string().c_str());
}

/// Last-use stamp of a slot (the state file's own mtime is the time it was saved).
std::filesystem::path usedStamp(const std::filesystem::path& dir) {
    return dir / "used";
}

} // namespace

std::string retargetSavedXml(std::string_view savedXml, const RestoreTarget& target) {
    pugi::xml_document doc;
    if (!doc.load_buffer(savedXml.data(), savedXml.size())) {
        throw util::InputError("the saved domain XML is not well-formed");
    }
    auto domain = doc.child("domain");
    if (!domain) {
        throw util::InputError("the saved domain XML has no <domain> element");
    }
    if (!target.expectedName.empty() && target.expectedName != domain.child_value("name")) {
        throw util::InputError("the saved state is of domain '" + std::string(domain.child_value("name")) + "', not '" +
                               target.expectedName + "'");
    }
    std::set<std::string> found;
    for (auto disk : domain.child("devices").children("disk")) {
        std::string dev = disk.child("target").attribute("dev").value();
        auto it = target.disks.find(dev);
        if (it == target.disks.end()) {
            continue;
        }
        auto source = disk.child("source");
        if (!source) {
            source = disk.prepend_child("source");
        }
        source.remove_attribute("index");
        if (auto file = source.attribute("file")) {
            file.set_value(it->second.string().c_str());
        } else {
            source.append_attribute("file").set_value(it->second.string().c_str());
        }
        // The old chain described the frozen overlay; libvirt probes the new overlay's chain.
        disk.remove_child("backingStore");
        if (auto driver = disk.child("driver")) {
            driver.attribute("type").set_value("qcow2");
        }
        found.insert(dev);
    }
    for (const auto& [dev, path] : target.disks) {
        if (found.count(dev) == 0) {
            throw util::InputError("the saved domain has no disk " + dev + " to point at " + path.string());
        }
    }
    if (target.consoleLog) {
        // <serial> and the <console> alias of it both name the file.
        for (const char* kind : {"serial", "console"}) {
            for (auto node : domain.child("devices").children(kind)) {
                if (std::string(node.attribute("type").value()) == "file") {
                    node.child("source").attribute("path").set_value(target.consoleLog->string().c_str());
                }
            }
        }
    }
    if (target.owner) {
        setOwner(domain, *target.owner);
    }
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
    return out.str();
}

std::string stableHash(const std::vector<std::string_view>& parts) {
    std::uint64_t h = 14695981039346656037ULL;
    auto mix = [&](unsigned char c) {
        h ^= c;
        h *= 1099511628211ULL;
    };
    for (auto part : parts) {
        for (char c : part) {
            mix(static_cast<unsigned char>(c));
        }
        mix(0); // ("ab","c") and ("a","bc") differ
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

// --- WarmSlot ---

WarmSlot::WarmSlot(std::filesystem::path dir, std::string domainName, int lockFd)
    : dir_(std::move(dir)), domainName_(std::move(domainName)), lockFd_(lockFd) {}

WarmSlot::~WarmSlot() {
    reset();
}

WarmSlot::WarmSlot(WarmSlot&& other) noexcept
    : dir_(std::move(other.dir_)), domainName_(std::move(other.domainName_)), lockFd_(other.lockFd_) {
    other.lockFd_ = -1;
}

WarmSlot& WarmSlot::operator=(WarmSlot&& other) noexcept {
    if (this != &other) {
        reset();
        dir_ = std::move(other.dir_);
        domainName_ = std::move(other.domainName_);
        lockFd_ = other.lockFd_;
        other.lockFd_ = -1;
    }
    return *this;
}

void WarmSlot::reset() noexcept {
    if (lockFd_ >= 0) {
        ::close(lockFd_); // releases the flock
        lockFd_ = -1;
    }
}

std::filesystem::path WarmSlot::frozenDisk(std::string_view target) const {
    return dir_ / (std::string(target) + ".qcow2");
}

bool WarmSlot::ready() const {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir_ / "meta.json", ec) &&
           std::filesystem::is_regular_file(statePath(), ec);
}

std::vector<std::string> WarmSlot::frozenTargets() const {
    if (!ready()) {
        return {};
    }
    try {
        auto meta = nlohmann::json::parse(util::readFile(dir_ / "meta.json"));
        if (meta.value("format", "") != metaFormat) {
            throw util::InputError("unknown format");
        }
        return meta.at("frozenDisks").get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception& e) {
        throw util::InputError("malformed " + (dir_ / "meta.json").string() + ": " + e.what());
    } catch (util::Error& e) {
        e.addContext("while reading " + (dir_ / "meta.json").string());
        throw;
    }
}

void WarmSlot::markReady(const std::vector<std::string>& frozenTargets,
                         const std::vector<std::filesystem::path>& dependsOn, const std::string& description) {
    nlohmann::json meta;
    meta["format"] = metaFormat;
    meta["domain"] = domainName_;
    meta["frozenDisks"] = frozenTargets;
    meta["dependsOn"] = nlohmann::json::array();
    for (const auto& p : dependsOn) {
        meta["dependsOn"].push_back(p.string());
    }
    meta["description"] = description;
    util::writeFileAtomic(dir_ / "meta.json", meta.dump(2) + "\n");
    touch();
}

void WarmSlot::touch() noexcept {
    std::error_code ec;
    std::filesystem::path stamp = usedStamp(dir_);
    if (!std::filesystem::exists(stamp, ec)) {
        int fd = ::open(stamp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ::close(fd);
        }
    }
    std::filesystem::last_write_time(stamp, std::filesystem::file_time_type::clock::now(), ec);
}

void WarmSlot::invalidate() noexcept {
    std::error_code ec;
    std::filesystem::remove(dir_ / "meta.json", ec);
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().filename() != "lock") {
            std::filesystem::remove_all(entry.path(), ec);
        }
    }
}

// --- WarmCache ---

std::filesystem::path WarmCache::defaultRoot() {
    const char* root = std::getenv("NIXDRILL_WARM_ROOT");
    return root != nullptr && *root != '\0' ? std::filesystem::path(root) : "/var/cache/nixdrill/warm";
}

WarmCache::WarmCache(std::filesystem::path root) : root_(std::move(root)) {}

std::optional<WarmSlot> WarmCache::acquire(const std::string& key, unsigned maxSlots) {
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec) {
        throw util::SystemError("cannot create the warm-start cache " + root_.string() + ": " + ec.message());
    }
    for (unsigned slot = 0; slot < maxSlots; ++slot) {
        auto dir = root_ / (key + "-" + std::to_string(slot));
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            throw util::SystemError("cannot create " + dir.string() + ": " + ec.message());
        }
        int fd = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            throw util::SystemError("cannot open " + (dir / "lock").string() + ": " + std::strerror(errno));
        }
        // flock, not fcntl locks: held per open file, so two slots of one process do not merge,
        // and released by the kernel when a killed process's descriptors close.
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            // Domain names are global to libvirt, cache roots are not: two roots holding the same
            // key (a test's own cache beside the default one) must not clash.
            auto id = stableHash({std::filesystem::absolute(root_).lexically_normal().string(), key});
            WarmSlot result(dir, "nixdrill-warm-" + id + "-" + std::to_string(slot), fd);
            result.touch();
            return result;
        }
        ::close(fd);
    }
    return std::nullopt;
}

std::vector<std::filesystem::path> WarmCache::sweep(std::chrono::hours maxAge) {
    std::vector<std::filesystem::path> removed;
    std::error_code ec;
    auto now = std::filesystem::file_time_type::clock::now();
    for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
        const auto& dir = entry.path();
        if (!entry.is_directory(ec)) {
            continue;
        }
        int fd = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd); // in use
            continue;
        }
        bool stale = false;
        std::error_code statEc;
        auto used = std::filesystem::last_write_time(usedStamp(dir), statEc);
        if (statEc) {
            used = std::filesystem::last_write_time(dir, statEc);
        }
        if (!statEc && now - used > maxAge) {
            stale = true; // unused for long
        }
        bool ready = std::filesystem::is_regular_file(dir / "meta.json", ec);
        if (!ready && !statEc && now - used > std::chrono::hours(1)) {
            stale = true; // a preparation that never finished
        }
        if (ready && !stale) {
            try {
                auto meta = nlohmann::json::parse(util::readFile(dir / "meta.json"));
                if (meta.value("format", "") != metaFormat) {
                    stale = true;
                }
                for (const auto& p : meta.value("dependsOn", nlohmann::json::array())) {
                    if (!p.is_string() || !std::filesystem::exists(p.get<std::string>(), ec)) {
                        stale = true; // its image was rebuilt or removed
                    }
                }
            } catch (const std::exception&) {
                stale = true;
            }
        }
        if (stale) {
            std::filesystem::remove_all(dir, ec);
            if (!ec) {
                removed.push_back(dir);
            }
        }
        ::close(fd);
    }
    return removed;
}

} // namespace nixdrill::vm
