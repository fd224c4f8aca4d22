///@file libFuzzer target: stored run results (runResultFromJson) and their round trip through toJson.
#include "report/json_report.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // `nixdrill report` turns parse errors into InputError itself; the fuzzed layer is the reader.
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        return 0;
    }
    try {
        auto run = nixdrill::report::runResultFromJson(json);
        // What was read must read back the same way.
        auto again = nixdrill::report::runResultFromJson(nlohmann::json::parse(nixdrill::report::toJson(run).dump()));
        if (again.suites.size() != run.suites.size() || again.runId != run.runId) {
            __builtin_trap();
        }
    } catch (const nixdrill::util::Error&) {
    }
    return 0;
}
