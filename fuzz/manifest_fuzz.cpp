///@file libFuzzer target: the manifest records printed by manifestScript (parseManifest).
#include "util/error.hpp"
#include "verify/manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto parsed = nixdrill::verify::parseManifest(text);
        // Comparing with itself must find nothing; comparing with empty walks every entry.
        if (!nixdrill::verify::compareManifests(parsed.entries, parsed.entries).empty()) {
            __builtin_trap();
        }
        (void)nixdrill::verify::toMismatches(nixdrill::verify::compareManifests(parsed.entries, {}));
    } catch (const nixdrill::util::Error&) {
    }
    return 0;
}
