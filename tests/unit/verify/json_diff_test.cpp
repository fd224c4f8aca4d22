///@file Tests of structured JSON differences.
#include "verify/json_diff.hpp"

#include <boost/test/unit_test.hpp>

using nixdrill::verify::diffJson;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(verify_json_diff)

BOOST_AUTO_TEST_CASE(equal_documents_have_no_differences) {
    auto j = json::parse(R"({"a": [1, {"b": "c"}], "d": null})");
    BOOST_TEST(diffJson(j, j).empty());
}

BOOST_AUTO_TEST_CASE(differences_are_located_by_pointer) {
    auto e = json::parse(R"({"persistence": ["/a", "/b"], "backups": {"x/y": {"priority": 10}}, "gone": 1})");
    auto a = json::parse(R"({"persistence": ["/a", "/c", "/d"], "backups": {"x/y": {"priority": 20}}, "new": 2})");
    auto d = diffJson(e, a, "/collector");
    BOOST_REQUIRE(d.size() == 5u);
    BOOST_TEST(d[0].pointer == "/collector/backups/x~1y/priority");
    BOOST_TEST(*d[0].expected == 10);
    BOOST_TEST(*d[0].actual == 20);
    BOOST_TEST(d[1].pointer == "/collector/gone");
    BOOST_TEST(!d[1].actual.has_value());
    BOOST_TEST(d[2].pointer == "/collector/persistence/1");
    BOOST_TEST(d[3].pointer == "/collector/persistence/2");
    BOOST_TEST(!d[3].expected.has_value());
    BOOST_TEST(d[4].pointer == "/collector/new");
}

BOOST_AUTO_TEST_CASE(type_changes_and_root_scalars) {
    auto d = diffJson(json(1), json("1"));
    BOOST_REQUIRE(d.size() == 1u);
    BOOST_TEST(d[0].pointer == "/");
    BOOST_TEST(diffJson(json::array({1}), json::object()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(partial_objects_allow_unlisted_members_only_where_marked) {
    auto a = json::parse(R"({"job": {"paths": ["/a"], "script": "long text"}, "extra": 1})");
    BOOST_TEST(diffJson(json::parse(R"({"job": {"...": true, "paths": ["/a"]}, "extra": 1})"), a).empty());
    auto d = diffJson(json::parse(R"({"job": {"...": true, "paths": ["/b"]}})"), a);
    BOOST_REQUIRE(d.size() == 2u); // the wrong path, and "extra" (the root is not partial)
    BOOST_TEST(d[0].pointer == "/job/paths/0");
    BOOST_TEST(d[1].pointer == "/extra");
    BOOST_TEST(diffJson(json::parse(R"({"job": {"...": true, "missing": 1}})"), a).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
