///@file Tests of the collector invariants: each one must be able to fail.
#include "verify/collector_invariants.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::verify;
using nlohmann::json;

namespace {

const json services = json::parse(R"({
  "db": {"enable": true, "dataDir": "/var/lib/db", "backupPaths": ["/var/lib/db/dumps"], "priority": 10},
  "app": {"enable": true, "dataDir": "/var/lib/app", "backupPaths": ["/var/lib/db/dumps/app"]},
  "off": {"enable": false, "dataDir": "/var/lib/off", "backupPaths": ["/srv/off"]},
  "cache": {"enable": true, "dataDir": "/var/cache/c"}
})");

json goodOutput() {
    return json::parse(R"({
  "persistence": ["/var/lib/app", "/var/lib/db/dumps/app", "/var/cache/c", "/var/lib/db", "/var/lib/db/dumps"],
  "backups": {
    "db": {"paths": ["/var/lib/db"], "systemdUnits": ["db.service", "app.service"], "priority": 10,
           "exclude": [], "preBackup": null, "postBackup": null},
    "app": {"paths": ["/var/lib/app"], "systemdUnits": ["app.service"], "priority": 100,
            "exclude": [], "preBackup": null, "postBackup": null}
  },
  "backupOrder": ["db", "app"],
  "overlaps": [{"path": "/var/lib/db/dumps/app", "owner": "db", "removedFrom": ["app"]}]
})");
}

std::string notes(const std::vector<nixdrill::model::Mismatch>& ms) {
    std::string out;
    for (const auto& m : ms) {
        out += m.pointer + " " + m.note + "\n";
    }
    return out;
}

bool violates(const json& output, const std::string& fragment) {
    auto text = notes(checkCollectorInvariants(services, output));
    return text.find(fragment) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(verify_collector_invariants)

BOOST_AUTO_TEST_CASE(a_correct_output_has_no_violations) {
    auto ms = checkCollectorInvariants(services, goodOutput());
    BOOST_TEST(ms.empty(), notes(ms));
}

BOOST_AUTO_TEST_CASE(each_invariant_can_fail) {
    auto o = goodOutput();
    o["backups"]["off"] = {{"paths", {"/srv/off"}}, {"priority", 100}};
    o["persistence"].push_back("/srv/off");
    o["backupOrder"].push_back("off");
    BOOST_TEST(violates(o, "only enabled services are registered"));

    o = goodOutput();
    o["backups"].erase("app");
    o["backupOrder"] = {"db"};
    o["overlaps"] = json::array();
    BOOST_TEST(violates(o, "every enabled service with backupPaths is registered"));

    o = goodOutput();
    o["backups"]["app"]["paths"] = {"var/lib/app"};
    BOOST_TEST(violates(o, "absolute normalised"));
    o["backups"]["app"]["paths"] = {"/var/lib/app/"};
    BOOST_TEST(violates(o, "absolute normalised"));
    o["backups"]["app"]["paths"] = {"/var/lib/./app"};
    BOOST_TEST(violates(o, "absolute normalised"));

    o = goodOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/db"};
    BOOST_TEST(violates(o, "no path appears in two registrations"));

    o = goodOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/app"};
    BOOST_TEST(violates(o, "registration paths are unique"));

    o = goodOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/app/sub"};
    o["persistence"].push_back("/var/lib/app/sub");
    BOOST_TEST(violates(o, "nested in another path of the same registration"));

    o = goodOutput();
    o["persistence"].erase(0);
    BOOST_TEST(violates(o, "covered by the persistence list"));

    o = goodOutput();
    o["persistence"].push_back("/var/lib/app");
    BOOST_TEST(violates(o, "persistence entries are unique"));

    o = goodOutput();
    o["backupOrder"] = {"app", "db"};
    BOOST_TEST(violates(o, "sorted by (priority, name)"));

    o = goodOutput();
    o["backupOrder"] = {"db"};
    BOOST_TEST(violates(o, "backupOrder lists every registration"));

    o = goodOutput();
    o["overlaps"][0]["owner"] = "nobody";
    BOOST_TEST(violates(o, "an overlap's owner is a registration"));

    o = goodOutput();
    o["overlaps"][0]["path"] = "/elsewhere";
    BOOST_TEST(violates(o, "owner backs up the path"));

    o = goodOutput();
    o["overlaps"][0]["removedFrom"] = {"off"};
    BOOST_TEST(violates(o, "overlaps name only enabled services"));

    BOOST_TEST(violates(json::parse(R"({"persistence": []})"), "output has persistence"));
}

BOOST_AUTO_TEST_CASE(path_normal_form) {
    BOOST_TEST(isNormalisedAbsolutePath("/"));
    BOOST_TEST(isNormalisedAbsolutePath("/srv/my files/données"));
    BOOST_TEST(!isNormalisedAbsolutePath(""));
    BOOST_TEST(!isNormalisedAbsolutePath("//srv"));
    BOOST_TEST(!isNormalisedAbsolutePath("/srv/../etc"));
}

BOOST_AUTO_TEST_SUITE_END()
