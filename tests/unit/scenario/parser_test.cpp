///@file Tests of scenario parsing: locations of syntax errors, content errors by JSON pointer.
#include "engine/steps/registry.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

std::string errorOf(const std::string& text) {
    try {
        scenario::parseScenario(text, "s.json", "g", nixdrill::engine::steps::catalogue());
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "";
}

const std::string minimal = R"({"format": "nixdrill-scenario/1", "services": {}})";

} // namespace

BOOST_AUTO_TEST_SUITE(scenario_parser)

BOOST_AUTO_TEST_CASE(minimal_scenario_takes_its_name_from_the_file) {
    auto s = scenario::parseScenario(minimal, "dir/empty-set.json", "dir", nixdrill::engine::steps::catalogue());
    BOOST_TEST(s.name == "empty-set");
    BOOST_TEST(s.group == "dir");
    BOOST_TEST(s.services.empty());
    BOOST_TEST(!s.expect.has_value());
}

BOOST_AUTO_TEST_CASE(syntax_error_has_line_and_column) {
    // The missing comma is noticed once the second key has been read: line 3, column 12.
    auto msg = errorOf("{\n  \"format\": \"nixdrill-scenario/1\"\n  \"services\": {}\n}");
    BOOST_TEST(msg.rfind("s.json:3:12: syntax error", 0) == 0, msg);
}

BOOST_AUTO_TEST_CASE(truncated_file_is_located_at_its_end) {
    auto msg = errorOf("{\n \"format\": ");
    BOOST_TEST(msg.rfind("s.json:2:", 0) == 0, msg);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_a_syntax_error) {
    auto msg = errorOf("{\"format\": \"nixdrill-scenario/1\", \"services\": {\"a\xff\": {}}}");
    BOOST_TEST(msg.rfind("s.json:1:", 0) == 0, msg);
}

BOOST_AUTO_TEST_CASE(content_errors_name_the_json_pointer) {
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "servces": 1})")
                   .find("s.json: /servces: unknown key") == 0);
    BOOST_TEST(errorOf(R"({"services": {}})").find("/format: missing") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/9", "services": {}})").find("unsupported format") !=
               std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1"})").find("/services: missing") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": []})").find("/services: expected an object") !=
               std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {"a/b": 3}})")
                   .find("/services/a~1b: expected an object") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "expect": {"colector": {}}})")
                   .find("/expect/colector: unknown section") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "expectError": [1]})")
                   .find("/expectError/0: expected a string") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "expectError": []})")
                   .find("/expectError: must name") != std::string::npos);
    BOOST_TEST(
        errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "expect": {"collector": {}}, "expectError": "x"})")
            .find("not both") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "services": {}, "expect": {"backup": {}}})")
                   .find("/expect/backup: expects backup jobs") != std::string::npos);
    BOOST_TEST(errorOf(R"([1, 2])").find("a scenario is a JSON object") != std::string::npos);
    BOOST_TEST(errorOf(R"({"format": "nixdrill-scenario/1", "name": "", "services": {}})")
                   .find("/name: expected a non-empty string") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(expect_error_accepts_a_string) {
    auto s = scenario::parseScenario(R"({"format": "nixdrill-scenario/1", "services": {}, "expectError": "boom"})", "f",
                                     "g", nixdrill::engine::steps::catalogue());
    BOOST_TEST(s.expectError.size() == 1u);
    BOOST_TEST(s.expectError[0] == "boom");
}

BOOST_AUTO_TEST_CASE(loading_directories_reports_bad_files_and_duplicates_without_losing_others) {
    util::TempDir dir;
    std::filesystem::create_directories(dir.path() / "sub");
    util::writeFileAtomic(dir.path() / "sub" / "a.json", minimal);
    util::writeFileAtomic(dir.path() / "b.json", "{ broken");
    util::writeFileAtomic(dir.path() / "c.json", R"({"format": "nixdrill-scenario/1", "name": "a", "services": {}})");
    util::writeFileAtomic(dir.path() / "notes.txt", "ignored");
    auto r = scenario::loadScenarios({dir.path(), dir.path() / "missing.json"}, nixdrill::engine::steps::catalogue());
    BOOST_REQUIRE(r.scenarios.size() == 1u);
    // c.json comes before sub/a.json and takes the name "a" first.
    BOOST_TEST(r.scenarios[0].name == "a");
    BOOST_TEST(r.scenarios[0].file == (dir.path() / "c.json").string());
    BOOST_TEST(r.scenarios[0].group == dir.path().filename().string());
    BOOST_REQUIRE(r.errors.size() == 3u);
    std::string all;
    for (const auto& e : r.errors) {
        all += e.message + "\n";
    }
    BOOST_TEST(all.find("b.json:1:") != std::string::npos, all);
    BOOST_TEST(all.find("already used by") != std::string::npos, all);
    BOOST_TEST(all.find("missing.json: no such file or directory") != std::string::npos, all);
}

BOOST_AUTO_TEST_CASE(formatting_keeps_key_order_and_unicode) {
    auto doc = nlohmann::ordered_json::parse(R"({"z": 1, "a": "/srv/données"})");
    BOOST_TEST(scenario::formatScenarioDocument(doc) == "{\n  \"z\": 1,\n  \"a\": \"/srv/données\"\n}\n");
}

BOOST_AUTO_TEST_SUITE_END()
