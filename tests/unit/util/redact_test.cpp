///@file Redactor: secrets out of text and out of every string of a JSON value.
#include "util/redact.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

BOOST_AUTO_TEST_SUITE(redact)

BOOST_AUTO_TEST_CASE(every_occurrence_is_replaced_longest_first) {
    util::Redactor r;
    r.add("s3cr3t-pass\n"); // as read from a password file
    r.add("s3cr3t-pass-and-more");
    r.add("abc"); // too short to redact safely
    BOOST_TEST(r.apply("a s3cr3t-pass-and-more b s3cr3t-pass c abc") == "a [REDACTED] b [REDACTED] c abc");
}

BOOST_AUTO_TEST_CASE(json_strings_and_keys_are_redacted_at_any_depth) {
    util::Redactor r;
    r.add("hunter2-planted");
    auto value = nlohmann::json::parse(R"({
        "file": "/srv/hunter2-planted.txt",
        "hunter2-planted": {"nested": ["x", "pw=hunter2-planted", 7, null, true]},
        "n": 1.5
    })");
    auto out = r.applyToJson(value);
    auto text = out.dump();
    BOOST_TEST(text.find("hunter2") == std::string::npos, text);
    BOOST_TEST(out["file"] == "/srv/[REDACTED].txt");
    BOOST_TEST(out["[REDACTED]"]["nested"][1] == "pw=[REDACTED]");
    BOOST_TEST(out["[REDACTED]"]["nested"][2] == 7);
    BOOST_TEST(out["n"] == 1.5);
    // Without secrets the value is unchanged.
    BOOST_TEST(util::Redactor().applyToJson(value) == value);
}

BOOST_AUTO_TEST_SUITE_END()
