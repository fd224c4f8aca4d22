///@file Process identity from /proc.
#include "vm/owner.hpp"

#include "util/error.hpp"

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace nixdrill::vm {

namespace {

std::string readBootId() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    in >> id;
    return id;
}

// Field 22 of /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses,
// so fields are counted from the last ')'.
std::optional<std::uint64_t> readStartTicks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
        return std::nullopt;
    }
    auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    // After ')' come field 3 (state) ... field 22 (starttime): 20 fields.
    for (int i = 3; i <= 22; ++i) {
        if (!(fields >> field)) {
            return std::nullopt;
        }
    }
    try {
        return std::stoull(field);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

Owner Owner::self() {
    auto owner = of(::getpid());
    if (!owner) {
        throw util::SystemError("cannot read /proc/self/stat to identify this process");
    }
    return *owner;
}

std::optional<Owner> Owner::of(pid_t pid) {
    auto ticks = readStartTicks(pid);
    if (!ticks) {
        return std::nullopt;
    }
    return Owner{pid, *ticks, readBootId()};
}

bool Owner::isAlive() const {
    auto current = of(pid);
    return current && *current == *this;
}

std::string Owner::serialize() const {
    return std::to_string(pid) + " " + std::to_string(startTicks) + " " + bootId;
}

std::optional<Owner> Owner::parse(std::string_view text) {
    std::istringstream in{std::string(text)};
    Owner owner;
    if (!(in >> owner.pid >> owner.startTicks >> owner.bootId) || owner.pid <= 0) {
        return std::nullopt;
    }
    return owner;
}

} // namespace nixdrill::vm
