///@file Guest image manifests and the build script.
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
    case GuestKind::NixOS:
        return "nixos";
    }
    return "unknown";
}

GuestKind parseGuestKind(std::string_view name) {
    for (auto kind : {GuestKind::Initramfs, GuestKind::Systemd, GuestKind::NixOS}) {
        if (toString(kind) == name) {
            return kind;
        }
    }
    throw util::InputError("unknown guest kind '" + std::string(name) + "' (expected initramfs, systemd or nixos)");
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
        for (const auto& file : {image.kernel, image.initrd}) {
            if (!std::filesystem::is_regular_file(file)) {
                throw util::InputError("missing " + file.string());
            }
        }
        if (image.rootDisk && !std::filesystem::is_regular_file(image.rootDisk->path)) {
            throw util::InputError("missing " + image.rootDisk->path.string());
        }
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
        throw util::InputError("NixOS guests are not implemented yet (they will boot the system built by flake.nix)");
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
