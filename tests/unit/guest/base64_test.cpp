///@file Base64: RFC 4648 test vectors, binary round trips, rejected input.
#include "guest/base64.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
