///@file libFuzzer target: the decoder of eval/batch.nix's JSON output (decodeBatchResults).
#include "nixeval/evaluator.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    // The seeds hold 0 to 3 results; trying each count reaches the per-entry decoding.
    for (std::size_t expected = 0; expected <= 3; ++expected) {
        try {
            (void)nixdrill::nixeval::decodeBatchResults(text, expected);
        } catch (const nixdrill::util::Error&) {
        }
    }
    return 0;
}
