///@file Base64 encoding and decoding through libsodium.
#include "guest/base64.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <sodium.h>

namespace nixdrill::guest {

namespace {

// libsodium, not OpenSSL's EVP_DecodeBlock: strict on its own; DecodeBlock trims whitespace and reads '=' as 'A'.
constexpr int variant = sodium_base64_VARIANT_ORIGINAL;

// libsodium asks for sodium_init before any of its functions; it is idempotent and thread-safe,
// the static only saves the repeated calls.
void initSodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        throw util::SystemError("cannot initialise libsodium (sodium_init failed)");
    }
}

util::InputError invalidAt(std::size_t offset) {
    return util::InputError("invalid base64: unexpected character, padding or padding bits at offset " +
                            std::to_string(offset));
}

} // namespace

std::string base64Encode(std::string_view data) {
    initSodium();
    // The encoded length libsodium reports counts the NUL it writes after the text.
    std::string out(sodium_base64_encoded_len(data.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                      variant);
    out.pop_back();
    return out;
}

std::string base64Decode(std::string_view text) {
    // Checked here for the clearer message; libsodium would reject these lengths too.
    if (text.size() % 4 != 0) {
        throw util::InputError("invalid base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
    }
    // libsodium 1.0.18 (Debian 12's) decodes every byte >= 0x80 as '/': it classifies a signed char
    // (later upstream versions cast it to unsigned char first). No such byte is base64.
    auto high = std::find_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (high != text.end()) {
        throw invalidAt(static_cast<std::size_t>(high - text.begin()));
    }
    initSodium();
    std::string out(text.size() / 4 * 3, '\0');
    std::size_t length = 0;
    const char* end = text.data();
    // No characters to ignore: whitespace is rejected like anything else outside the alphabet.
    // libsodium also rejects missing, misplaced or extra '=' and non-zero bits before the padding;
    // with `end` given it stops where decoding stopped instead of failing on trailing text, so
    // the check that it reached the end is ours (and gives the offset for the message).
    int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                               nullptr, &length, &end, variant);
    if (rc != 0 || end != text.data() + text.size()) {
        throw invalidAt(static_cast<std::size_t>(end - text.data()));
    }
    out.resize(length);
    return out;
}

} // namespace nixdrill::guest
