///@file Guest image manifests, NixOS guest descriptors, the build script and guest selection.
#include "guest/image.hpp"

#include "nixdrill_config.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace nixdrill::guest {

std::string_view toString(GuestKind kind) {
    switch (kind) {
    case GuestKind::Initramfs:
        return "initramfs";
    case GuestKind::Systemd:
        return "systemd";
    case GuestKind::SystemdZfs:
        return "systemd-zfs";
    case GuestKind::NixOS:
        return "nixos";
    }
    return "unknown";
}

GuestKind parseGuestKind(std::string_view name) {
    for (auto kind : {GuestKind::Initramfs, GuestKind::Systemd, GuestKind::SystemdZfs, GuestKind::NixOS}) {
        if (toString(kind) == name) {
            return kind;
        }
    }
    throw util::InputError("unknown guest kind '" + std::string(name) +
                           "' (expected initramfs, systemd, systemd-zfs or nixos)");
}

GuestKind guestKindOfDrill(std::string_view name) {
    if (name == "debian") {
        return GuestKind::Systemd;
    }
    if (name == "nixos") {
        return GuestKind::NixOS;
    }
    throw util::InputError("unknown guest '" + std::string(name) + "' (expected debian or nixos)");
}

namespace {

void requireFiles(const GuestImage& image) {
    for (const auto& file : {image.kernel, image.initrd}) {
        if (!std::filesystem::is_regular_file(file)) {
            throw util::InputError("missing " + file.string());
        }
    }
    if (image.rootDisk && !std::filesystem::is_regular_file(image.rootDisk->path)) {
        throw util::InputError("missing " + image.rootDisk->path.string());
    }
}

/// A descriptor's file name: relative to its directory unless absolute (store paths).
std::filesystem::path fileIn(const std::filesystem::path& dir, const std::string& name) {
    std::filesystem::path p(name);
    return p.is_absolute() ? p : dir / p;
}

} // namespace

GuestImage parseGuestDescriptor(std::string_view json, const std::filesystem::path& dir) {
    nlohmann::json d;
    try {
        d = nlohmann::json::parse(json);
    } catch (const nlohmann::json::exception& e) {
        throw util::InputError(std::string("not JSON: ") + e.what());
    }
    if (!d.is_object()) {
        throw util::InputError("a guest descriptor is a JSON object");
    }
    auto text = [&](const nlohmann::json& obj, const std::string& key, const std::string& where) -> std::string {
        auto it = obj.find(key);
        if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
            throw util::InputError(where + key + ": missing or not a non-empty string");
        }
        return it->get<std::string>();
    };
    if (auto format = text(d, "format", "/"); format != "nixdrill-guest/1") {
        throw util::InputError("/format: \"" + format + "\" is not a format this nixdrill reads (nixdrill-guest/1)");
    }
    GuestImage image;
    image.dir = dir;
    image.kind = parseGuestKind(text(d, "kind", "/"));
    if (image.kind != GuestKind::NixOS) {
        throw util::InputError("/kind: a guest descriptor describes a nixos guest, not " +
                               std::string(toString(image.kind)));
    }
    image.scenario = text(d, "scenario", "/");
    image.system = text(d, "system", "/");
    image.kernelVersion = text(d, "kernelVersion", "/");
    image.kernel = fileIn(dir, text(d, "kernel", "/"));
    image.initrd = fileIn(dir, text(d, "initrd", "/"));
    auto root = d.find("rootDisk");
    if (root == d.end() || !root->is_object()) {
        throw util::InputError("/rootDisk: missing or not an object { path; format; }");
    }
    auto format = text(*root, "format", "/rootDisk/");
    if (format != "qcow2" && format != "raw") {
        throw util::InputError("/rootDisk/format: \"" + format + "\" (expected qcow2 or raw)");
    }
    image.rootDisk = RootDisk{fileIn(dir, text(*root, "path", "/rootDisk/")), format};
    image.cmdline = text(d, "cmdline", "/");
    // NixOS's stage 1 finds the system it boots only through init=.
    if (image.cmdline.find("init=/") == std::string::npos) {
        throw util::InputError("/cmdline: has no init=<system>/init, the guest would not find its system");
    }
    image.agentChannel = d.contains("agentChannel") ? text(d, "agentChannel", "/") : "org.qemu.guest_agent.0";
    // The store path's hash and name identify the system (and so the cached image).
    image.key = std::filesystem::path(image.system).filename().string();
    return image;
}

GuestImage loadGuestDescriptor(const std::filesystem::path& dir) {
    auto path = dir / std::string(nixosDescriptorName);
    try {
        if (!std::filesystem::is_regular_file(path)) {
            throw util::InputError("no " + std::string(nixosDescriptorName) + " in " + dir.string());
        }
        auto image = parseGuestDescriptor(util::readFile(path), dir);
        requireFiles(image);
        return image;
    } catch (util::Error& e) {
        e.addContext("while loading the NixOS guest descriptor " + path.string());
        throw;
    }
}

GuestKind selectGuestKind(const GuestSelection& selection, std::string_view drillGuest) {
    if (selection.kind) {
        return *selection.kind;
    }
    return guestKindOfDrill(drillGuest);
}

GuestKind imageKindFor(GuestKind kind, bool needsZfs) {
    if (!needsZfs) {
        return kind;
    }
    switch (kind) {
    case GuestKind::Systemd:
    case GuestKind::SystemdZfs:
        return GuestKind::SystemdZfs;
    case GuestKind::NixOS:
        return kind;
    case GuestKind::Initramfs:
        break;
    }
    throw util::InputError("a drill with a ZFS pool (drill.zfs) cannot run in the initramfs guest");
}

GuestImage resolveNixosImage(const std::optional<std::filesystem::path>& image, std::string_view scenario) {
    std::string name(scenario);
    if (!image) {
        throw util::InputError("scenario " + name +
                               " needs a NixOS guest and none was given: build it where nixpkgs is available "
                               "(`nix build .#guest-" +
                               name +
                               "`) and pass --guest-image RESULT, or run it in the Debian guest (--guest debian)");
    }
    auto dir = *image;
    if (dir.filename() == std::string(nixosDescriptorName) && std::filesystem::is_regular_file(dir)) {
        dir = dir.parent_path(); // the descriptor file itself was given
    }
    if (!std::filesystem::is_regular_file(dir / std::string(nixosDescriptorName))) {
        if (!std::filesystem::is_directory(*image / name)) {
            throw util::InputError("no NixOS guest for scenario " + name + ": " + image->string() + " has neither " +
                                   std::string(nixosDescriptorName) + " nor a directory " + name +
                                   " (build it with `nix build .#guest-" + name + "`)");
        }
        dir = *image / name;
    }
    auto loaded = loadGuestDescriptor(dir);
    if (loaded.scenario != name) {
        throw util::InputError("the NixOS guest " + dir.string() + " was built for scenario " + loaded.scenario +
                               ", not " + name + ": its backup units are that scenario's (nix build .#guest-" + name +
                               ")");
    }
    return loaded;
}

GuestImage loadGuestImage(const std::filesystem::path& dir) {
    auto manifestPath = dir / "manifest.json";
    try {
        auto manifest = nlohmann::json::parse(util::readFile(manifestPath));
        GuestImage image;
        image.dir = dir;
        image.kind = parseGuestKind(manifest.at("kind").get<std::string>());
        image.key = manifest.at("key").get<std::string>();
        image.kernelVersion = manifest.at("kernelVersion").get<std::string>();
        image.kernel = dir / manifest.at("kernel").get<std::string>();
        image.initrd = dir / manifest.at("initrd").get<std::string>();
        if (const auto& root = manifest.at("rootDisk"); !root.is_null()) {
            image.rootDisk = RootDisk{dir / root.at("path").get<std::string>(), root.at("format").get<std::string>()};
        }
        image.cmdline = manifest.at("cmdline").get<std::string>();
        image.agentChannel = manifest.at("agentChannel").get<std::string>();
        image.buildTime = std::chrono::milliseconds(manifest.value("buildMilliseconds", 0));
        requireFiles(image);
        return image;
    } catch (const nlohmann::json::exception& e) {
        throw util::InputError("malformed guest manifest " + manifestPath.string() + ": " + e.what());
    } catch (util::Error& e) {
        e.addContext("while loading the guest image " + dir.string());
        throw;
    }
}

std::filesystem::path defaultBuildScript() {
    if (const char* script = std::getenv("NIXDRILL_BUILD_GUEST"); script != nullptr && *script != '\0') {
        return script;
    }
    return std::filesystem::path(NIXDRILL_SOURCE_NIX_DIR).parent_path() / "scripts" / "vm" / "build-guest.sh";
}

GuestImage buildGuestImage(GuestKind kind, const std::filesystem::path& script) {
    if (kind == GuestKind::NixOS) {
        throw util::InputError("NixOS guests are not built by " + script.string() +
                               ": they need nixpkgs (`nix build .#guest-<scenario>`, then --guest-image)");
    }
    std::vector<std::string> argv{script.string(), std::string(toString(kind))};
    util::ProcessOptions options;
    options.deadline = std::chrono::minutes(30);
    auto result = util::runProcess(argv, options);
    if (result.exitCode != 0) {
        throw util::SystemError("building the " + std::string(toString(kind)) +
                                " guest image failed: " + util::quoteCommand(argv) + " exited with " +
                                std::to_string(result.exitCode) + ":\n" + result.err);
    }
    auto out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    auto dir = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    auto image = loadGuestImage(dir);
    if (image.kind != kind) {
        throw util::SystemError(script.string() + " built a " + std::string(toString(image.kind)) +
                                " image when asked for " + std::string(toString(kind)));
    }
    return image;
}

} // namespace nixdrill::guest
