///@file libFuzzer target: scenario documents (parseScenario, including /drill) on arbitrary bytes.
#include "engine/steps/registry.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

// Any exception other than util::Error escapes and aborts: libFuzzer reports it as a crash.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto s = nixdrill::scenario::parseScenario(text, "fuzz.json", "fuzz", nixdrill::engine::steps::catalogue());
        // Formatting for --accept walks the whole document again.
        (void)nixdrill::scenario::formatScenarioDocument(s.document);
    } catch (const nixdrill::util::Error&) {
    }
    return 0;
}
