///@file Base64: RFC 4648 test vectors, binary round trips, rejected input.
#include "guest/base64.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <string_view>

using namespace nixdrill;

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(rfc4648_vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        BOOST_TEST(guest::base64Encode(plain) == encoded);
        BOOST_TEST(guest::base64Decode(encoded) == plain);
    }
}

BOOST_AUTO_TEST_CASE(every_byte_value_round_trips) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    for (std::size_t len = 0; len <= all.size(); len += 37) {
        auto piece = all.substr(all.size() - len);
        BOOST_TEST(guest::base64Decode(guest::base64Encode(piece)) == piece);
    }
    BOOST_TEST(guest::base64Encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

BOOST_AUTO_TEST_CASE(bad_input_is_rejected) {
    BOOST_CHECK_THROW(guest::base64Decode("Zg="), util::InputError);      // length
    BOOST_CHECK_THROW(guest::base64Decode("Zm9v\n"), util::InputError);   // whitespace
    BOOST_CHECK_THROW(guest::base64Decode("Zm*v"), util::InputError);     // alphabet
    BOOST_CHECK_THROW(guest::base64Decode("Zg==Zm9v"), util::InputError); // padding inside
    BOOST_CHECK_THROW(guest::base64Decode("Z=g="), util::InputError);
}

// The cases below pin what a library decoder may be lax about (OpenSSL's EVP_DecodeBlock
// accepts most of them); apart from the unpadded ones, every input has a length that is a
// multiple of 4, so it is the character and padding checks that must reject it, not the length.

BOOST_AUTO_TEST_CASE(whitespace_anywhere_is_rejected) {
    for (const char* text : {" Zm9", "Zm 9", "Zm9 ", "Zm9v\r\n\r\n", "\tZm9vYmE", "Zm9v\n\nYg", "Zg==    "}) {
        BOOST_TEST_CONTEXT("input '" << text << "'") {
            BOOST_CHECK_THROW(guest::base64Decode(text), util::InputError);
        }
    }
}

// Bytes >= 0x80 included: libsodium 1.0.18 decodes them all as '/' unless base64.cpp stops them.
BOOST_AUTO_TEST_CASE(every_byte_outside_the_alphabet_is_rejected_at_every_position) {
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rejected = 0;
    for (int c = 0; c < 256; ++c) {
        if (alphabet.find(static_cast<char>(c)) != std::string_view::npos || c == '=') {
            continue;
        }
        for (std::size_t at = 0; at < 8; ++at) {
            std::string text = "Zm9vYmFy";
            text[at] = static_cast<char>(c);
            BOOST_TEST_CONTEXT("byte " << c << " at offset " << at) {
                BOOST_CHECK_THROW(guest::base64Decode(text), util::InputError);
            }
            ++rejected;
        }
    }
    BOOST_TEST(rejected == (256 - 65) * 8);
}

BOOST_AUTO_TEST_CASE(padding_inside_the_text_is_rejected) {
    for (const char* text : {"=m9v", "Zm=v", "Zm9=Zm9v", "Zg==Zg==", "Zm8=Zm9v", "====", "A===", "AA=A", "Zm9v===="}) {
        BOOST_TEST_CONTEXT("input '" << text << "'") {
            BOOST_CHECK_THROW(guest::base64Decode(text), util::InputError);
        }
    }
}

BOOST_AUTO_TEST_CASE(text_after_the_padding_is_rejected) {
    BOOST_CHECK_THROW(guest::base64Decode("Zg==AAAA"), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode("Zm8=AAAA"), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode("Zg==-..."), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode(std::string("Zg==\0\0\0\0", 8)), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode(std::string("Zm9v\0\0\0\0", 8)), util::InputError);
}

BOOST_AUTO_TEST_CASE(unpadded_input_is_rejected) {
    // The agent pads; the unpadded variant (which libsodium also offers) is not accepted.
    BOOST_CHECK_THROW(guest::base64Decode("Zm8"), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode("Zg"), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode("Zm9vZm8"), util::InputError);
}

BOOST_AUTO_TEST_CASE(non_zero_padding_bits_are_rejected) {
    // 'h' and '9' carry bits below the last whole byte; no encoder writes them, so a reply with
    // them is corrupt, not another spelling of "f" or "fo".
    BOOST_CHECK_THROW(guest::base64Decode("Zh=="), util::InputError);
    BOOST_CHECK_THROW(guest::base64Decode("Zm9="), util::InputError);
    BOOST_TEST(guest::base64Decode("Zg==") == "f");
    BOOST_TEST(guest::base64Decode("Zm8=") == "fo");
}

BOOST_AUTO_TEST_CASE(the_error_names_the_offset) {
    try {
        (void)guest::base64Decode("Zm9vYm*y");
        BOOST_FAIL("no exception");
    } catch (const util::InputError& e) {
        BOOST_TEST(e.message() == "invalid base64: unexpected character, padding or padding bits at offset 6");
    }
}

BOOST_AUTO_TEST_CASE(large_input_round_trips) {
    // A few MiB, more than one guest-file-read chunk, in each of the three lengths modulo 3.
    std::uint64_t state = 42;
    std::string data(3 * 1024 * 1024 + 2, '\0');
    for (auto& byte : data) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        byte = static_cast<char>(state >> 56);
    }
    for (std::size_t cut : {0, 1, 2}) {
        std::string_view piece(data.data(), data.size() - cut);
        auto encoded = guest::base64Encode(piece);
        BOOST_TEST(encoded.size() == (piece.size() + 2) / 3 * 4);
        BOOST_TEST(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
                   std::string::npos);
        BOOST_TEST((guest::base64Decode(encoded) == piece));
    }
    // Known output for a large input: every three 0xff bytes are "////".
    std::string ones(3 * 100000, '\xff');
    auto encoded = guest::base64Encode(ones);
    BOOST_TEST(encoded.size() == 4 * 100000U);
    BOOST_TEST(encoded.find_first_not_of('/') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
