///@file libFuzzer target: guest agent replies through decodeReply and every decode* of a return value.
#include "guest/agent_protocol.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace protocol = nixdrill::guest::protocol;

namespace {

template <typename F> void attempt(F&& decode) {
    try {
        decode();
    } catch (const nixdrill::util::Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json value;
    try {
        value = protocol::decodeReply(text);
    } catch (const nixdrill::util::Error&) {
        return 0;
    }
    attempt([&] { (void)protocol::decodeExecPid(value); });
    attempt([&] { (void)protocol::decodeExecStatus(value); });
    attempt([&] { (void)protocol::decodeFileHandle(value); });
    attempt([&] { (void)protocol::decodeFileRead(value); });
    attempt([&] { (void)protocol::decodeFileWrite(value); });
    return 0;
}
