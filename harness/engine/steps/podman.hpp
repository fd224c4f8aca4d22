///@file The guest side of the containers family: the drill's podman containers (image, volumes,
/// units like virtualisation.oci-containers'), the probes that see them stop and start and the
/// archiver run, their HTTP check, the destinations, and the container faults.
#pragma once

#include "engine/drill/context.hpp"

#include <string>
#include <vector>

namespace nixdrill::engine::steps::podman {

using drill::DrillContext;

inline constexpr const char* stateDir = "/run/nixdrill-containers";
inline constexpr const char* fillerName = ".nixdrill-filler"; ///< what destination-full writes

/// Where podman keeps a named volume's files.
std::string volumePath(const std::string& volume);
/// %-encoding of a path's bytes for a URL (unreserved characters and '/' kept).
std::string urlPath(const std::string& path);

struct Event {
    std::string what; ///< start, stop (container units); begin, end (the archiver)
    double at = 0;    ///< guest wall clock, seconds
};
/// Lines "<what> <seconds> ..." of the probes' logs.
std::vector<Event> parseEvents(const std::string& text);

/// The unit podman-<name>.service: `podman run` of the drill's image in the foreground, stopped
/// by `podman stop`, with the probes around every start and stop.
std::string unitFile(const model::PodmanContainer& c);
/// The shell command that unpacks an archive of `format` under `root`.
std::string extractCommand(const std::string& format, const std::string& archive, const std::string& root);

/// The probes (event script, archiver shim), the image (busybox-static's busybox, imported: no
/// registry is reachable), the volumes and the units of the drill's containers.
void install(DrillContext& ctx);
/// Running (podman says so) and, for a server, accepting connections, within 120 s; adds what
/// is wrong to `problems`.
void waitReady(DrillContext& ctx, const model::PodmanContainer& c, std::vector<std::string>& problems);
/// Every regular file of the served volume in `expected`, fetched through the container: what
/// it serves must be those bytes. @throws util::SystemError when the fetching itself fails
std::vector<std::string> servingProblems(DrillContext& ctx, const model::PodmanContainer& c,
                                         const verify::Manifest& expected);

double guestNow(DrillContext& ctx);
/// The names in a destination directory (none when it does not exist), sorted.
std::vector<std::string> listDestination(DrillContext& ctx, const std::string& dir);

/// A container fault while one backup runs: destination-full fills the destination (its own
/// small file system, made at provisioning), stop-refused makes the containers' units refuse a
/// manual stop. Undone when it goes out of scope.
class ContainerFault {
public:
    ContainerFault(DrillContext& ctx, std::string kind, std::string destination, std::vector<std::string> units);
    ContainerFault(const ContainerFault&) = delete;
    ContainerFault& operator=(const ContainerFault&) = delete;
    ~ContainerFault();

private:
    DrillContext& ctx_;
    std::string kind_;
    std::string destination_;
    std::vector<std::string> units_;
};

} // namespace nixdrill::engine::steps::podman
