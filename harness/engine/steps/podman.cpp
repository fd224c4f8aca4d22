///@file The guest side of the containers family (podman.hpp).
#include "engine/steps/podman.hpp"

#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "verify/state_audit.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace nixdrill::engine::steps::podman {

using guest::shellQuote;

namespace {

constexpr const char* libDir = "/usr/local/lib/nixdrill";
constexpr const char* imageName = "localhost/nixdrill-busybox";
constexpr const char* volumesRoot = "/var/lib/containers/storage/volumes/";

// The container unit's drop-in runs it around every start and stop. A stop is followed by the
// listing of the container's volumes: systemctl stop returns only after ExecStopPost=, so the
// listing is what an archive made next reads (the container wrote nothing since).
constexpr const char* eventScript = R"SH(#!/bin/bash
# nixdrill: when a container's unit starts and stops; after a stop, what its volumes hold.
set -euo pipefail
event=$1 name=$2
shift 2
d=/run/nixdrill-containers
mkdir -p "$d"
if [ "$event" = stop ] && [ $# -gt 0 ]; then
    bash /usr/local/lib/nixdrill/manifest.sh / "$@" >"$d/$name.manifest.tmp"
    mv -f "$d/$name.manifest.tmp" "$d/$name.manifest"
fi
echo "$event $(date +%s.%N)" >>"$d/$name.events"
)SH";

// First on the PATH of the container backup units only (their drop-in): when the archiver ran.
constexpr const char* archiverShim = R"SH(#!/bin/bash
# nixdrill: logs when a container backup's archiver (tar, zip) runs, then runs the real one.
log=/run/nixdrill-containers/${NIXDRILL_CONTAINER_BACKUP:-unknown}.archiver
tool=${0##*/}
mkdir -p /run/nixdrill-containers
echo "begin $(date +%s.%N) $tool" >>"$log"
rc=0
"/usr/bin/$tool" "$@" || rc=$?
echo "end $(date +%s.%N) $tool $rc" >>"$log"
exit "$rc"
)SH";

} // namespace

std::string volumePath(const std::string& volume) {
    return volumesRoot + volume + "/_data";
}

std::string urlPath(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::vector<Event> parseEvents(const std::string& text) {
    std::vector<Event> out;
    std::istringstream in(text);
    std::string what;
    double at = 0;
    std::string rest;
    while (in >> what >> at) {
        out.push_back({what, at});
        std::getline(in, rest);
    }
    return out;
}

std::string unitFile(const model::PodmanContainer& c) {
    std::string run = "/usr/bin/podman run --rm --replace --name " + drill::systemdArgument(c.name) +
                      " --network host --log-driver journald";
    std::string lists;
    for (const auto& [volume, mount] : c.volumes) {
        run += " -v " + drill::systemdArgument(volume + ":" + mount);
        lists += " " + drill::systemdArgument(volumePath(volume));
    }
    run += std::string(" ") + imageName;
    for (const auto& word : c.cmd) {
        run += " " + drill::systemdArgument(word);
    }
    std::string event = std::string(libDir) + "/container-event ";
    return "[Unit]\nDescription=nixdrill podman container " + c.name + "\n\n[Service]\nExecStartPre=" + event +
           "start " + drill::systemdArgument(c.name) + "\nExecStart=" + run +
           "\nExecStop=/usr/bin/podman stop --ignore -t 10 " + drill::systemdArgument(c.name) +
           "\nExecStopPost=" + event + "stop " + drill::systemdArgument(c.name) + lists +
           "\nTimeoutStopSec=60\n\n[Install]\nWantedBy=multi-user.target\n";
}

std::string extractCommand(const std::string& format, const std::string& archive, const std::string& root) {
    if (format == "zip") {
        // -X: the owners zip stored (its Unix extra field); the drill compares them.
        return "unzip -X -o -q " + shellQuote(archive) + " -d " + shellQuote(root);
    }
    return "tar --numeric-owner -xpf " + shellQuote(archive) + " -C " + shellQuote(root);
}

void install(DrillContext& ctx) {
    auto& m = ctx.client();
    m.must(std::string("mkdir -p ") + libDir + "/archiver " + stateDir);
    m.writeFile(std::string(libDir) + "/container-event", eventScript);
    m.writeFile(std::string(libDir) + "/archiver/tar", archiverShim);
    m.must(std::string("chmod 0755 ") + libDir + "/container-event " + libDir + "/archiver/tar && ln -sf tar " +
           libDir + "/archiver/zip");
    for (const auto& cb : ctx.plan.containers) {
        auto dir = drill::dropInDir(m, cb.unit);
        m.must("mkdir -p " + shellQuote(dir));
        m.writeFile(dir + "/nixdrill-archiver.conf",
                    "[Service]\nEnvironment=NIXDRILL_CONTAINER_BACKUP=" + drill::systemdArgument(cb.name) +
                        "\nEnvironment=PATH=" + libDir +
                        "/archiver:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
    }
    if (ctx.drill.podman.empty()) {
        return;
    }
    auto t0 = std::chrono::steady_clock::now();
    // The guest has no D-Bus, which systemd's cgroup manager needs (crun: "cannot open sd-bus").
    m.must("mkdir -p /etc/containers");
    m.writeFile("/etc/containers/containers.conf",
                "# nixdrill: no D-Bus in the drill's guest\n[engine]\ncgroup_manager = \"cgroupfs\"\n");
    m.must(std::string("set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; ") +
           "chroot $d /bin/busybox --install -s /bin; tar -C $d -c . | podman import -q - " + imageName +
           " >/dev/null; rm -rf $d");
    for (const auto& c : ctx.drill.podman) {
        for (const auto& [volume, mount] : c.volumes) {
            m.must("podman volume create " + shellQuote(volume) + " >/dev/null");
        }
        m.writeFile("/etc/systemd/system/" + c.unit(), unitFile(c));
    }
    ctx.note("podman: imported " + std::string(imageName) + " and created the volumes of " +
             std::to_string(ctx.drill.podman.size()) + " container(s) in " +
             drill::fmt(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) + " s");
}

void waitReady(DrillContext& ctx, const model::PodmanContainer& c, std::vector<std::string>& problems) {
    std::string probe = c.httpPort == 0 ? "[ \"$(podman container inspect -f '{{.State.Running}}' " +
                                              shellQuote(c.name) + " 2>/dev/null)\" = true ]"
                                        : "(exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(c.httpPort) + ") 2>/dev/null";
    // Bounded by time (120 s) and by the unit: a failed unit will not come up.
    std::string loop = "end=$((SECONDS + 120)); while ((SECONDS < end)); do if " + probe +
                       "; then exit 0; fi; if systemctl is-failed -q " + shellQuote(c.unit()) +
                       "; then exit 1; fi; sleep 0.3; done; exit 1";
    auto r = ctx.client().sh("bash -c " + shellQuote(loop));
    if (!r.succeeded()) {
        problems.push_back(
            c.unit() + " not ready (" + ctx.client().activeState(c.unit()) +
            "): " + ctx.redactor.apply(ctx.client().sh("journalctl --no-pager -n 20 -u " + shellQuote(c.unit())).out));
    }
}

std::vector<std::string> servingProblems(DrillContext& ctx, const model::PodmanContainer& c,
                                         const verify::Manifest& expected) {
    std::string root = volumePath(c.httpVolume);
    std::string list;
    std::map<std::string, std::string> wanted; // url -> sha256
    for (const auto& [path, e] : expected) {
        if (e.type == verify::EntryType::File && verify::isUnder(path, root) && path != root) {
            std::string url = "http://127.0.0.1:" + std::to_string(c.httpPort) + urlPath(path.substr(root.size()));
            wanted[url] = e.sha256;
            list += url + "\n";
        }
    }
    auto r = ctx.client().exec("while IFS= read -r u; do if busybox wget -q -O /run/nixdrill-fetch \"$u\"; then "
                               "printf '%s %s\\n' \"$(sha256sum </run/nixdrill-fetch | cut -d' ' -f1)\" \"$u\"; "
                               "else printf 'unreachable %s\\n' \"$u\"; fi; done; rm -f /run/nixdrill-fetch",
                               list);
    std::vector<std::string> problems;
    std::istringstream in(r.out);
    std::string sha;
    std::string url;
    std::size_t answered = 0;
    while (in >> sha >> url) {
        ++answered;
        auto it = wanted.find(url);
        if (it == wanted.end()) {
            continue;
        }
        if (sha == "unreachable") {
            problems.push_back(url + ": the container did not serve it");
        } else if (sha != it->second) {
            problems.push_back(url + ": served sha256 " + sha.substr(0, 12) + ", the archive's " +
                               it->second.substr(0, 12));
        }
    }
    if (answered != wanted.size()) {
        throw util::SystemError("fetching " + std::to_string(wanted.size()) + " files from container " + c.name +
                                " answered " + std::to_string(answered) + ": " + ctx.redactor.apply(r.describe()));
    }
    ctx.note("container " + c.name + ": fetched " + std::to_string(wanted.size()) + " files over HTTP, " +
             std::to_string(problems.size()) + " wrong");
    return problems;
}

double guestNow(DrillContext& ctx) {
    return std::stod(ctx.client().must("date +%s.%N").out);
}

std::vector<std::string> listDestination(DrillContext& ctx, const std::string& dir) {
    auto r = ctx.client().sh("[ -d " + shellQuote(dir) + " ] && find " + shellQuote(dir) +
                             " -mindepth 1 -maxdepth 1 -printf '%f\\0'");
    std::vector<std::string> out;
    if (r.succeeded()) {
        for (auto f : verify::splitNul(r.out, "destination listing")) {
            out.emplace_back(f);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

ContainerFault::ContainerFault(DrillContext& ctx, std::string kind, std::string destination,
                               std::vector<std::string> units)
    : ctx_(ctx), kind_(std::move(kind)), destination_(std::move(destination)), units_(std::move(units)) {
    auto& m = ctx_.client();
    if (kind_ == "destination-full") {
        m.must("dd if=/dev/zero of=" + shellQuote(destination_ + "/" + fillerName) +
               " bs=1M status=none 2>/dev/null; [ \"$(df --output=avail -B1 " + shellQuote(destination_) +
               " | tail -n 1 | tr -d ' ')\" -lt 65536 ]");
        ctx_.note("fault destination-full: filled " + destination_);
    } else if (kind_ == "stop-refused") {
        std::string list;
        for (const auto& u : units_) {
            auto dir = drill::dropInDir(m, u);
            m.must("mkdir -p " + shellQuote(dir));
            m.writeFile(dir + "/nixdrill-refuse-stop.conf", "[Unit]\nRefuseManualStop=yes\n");
            list += " " + u;
        }
        m.must("systemctl daemon-reload");
        ctx_.note("fault stop-refused: RefuseManualStop=yes on" + list);
    }
}

ContainerFault::~ContainerFault() {
    // Best effort: what stays shows in the next step (the guest is destroyed after the drill).
    try {
        if (kind_ == "destination-full") {
            ctx_.client().sh("rm -f " + shellQuote(destination_ + "/" + fillerName));
        } else if (kind_ == "stop-refused") {
            std::string cmd;
            for (const auto& u : units_) {
                cmd += "rm -f " + shellQuote(drill::dropInDir(ctx_.client(), u) + "/nixdrill-refuse-stop.conf") + "; ";
            }
            ctx_.client().sh(cmd + "systemctl daemon-reload");
        }
    } catch (const util::Error&) {
        // The agent is gone: the step is Broken already.
    }
}

} // namespace nixdrill::engine::steps::podman
