///@file Tests of the collector invariants: each one must be able to fail.
#include "verify/collector_invariants.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::verify;
using nlohmann::json;

namespace {

const json collectorServices = json::parse(R"({
  "db": {"enable": true, "dataDir": "/var/lib/db", "backupPaths": ["/var/lib/db/dumps"], "priority": 10},
  "app": {"enable": true, "dataDir": "/var/lib/app", "backupPaths": ["/var/lib/db/dumps/app"]},
  "off": {"enable": false, "dataDir": "/var/lib/off", "backupPaths": ["/srv/off"]},
  "cache": {"enable": true, "dataDir": "/var/cache/c"}
})");

json goodCollectorOutput() {
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

std::string collectorNotes(const std::vector<nixdrill::model::Mismatch>& ms) {
    std::string out;
    for (const auto& m : ms) {
        out += m.pointer + " " + m.note + "\n";
    }
    return out;
}

bool collectorViolates(const json& output, const std::string& fragment) {
    auto text = collectorNotes(checkCollectorInvariants(collectorServices, output));
    return text.find(fragment) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(verify_collector_invariants)

BOOST_AUTO_TEST_CASE(a_correct_output_has_no_violations) {
    auto ms = checkCollectorInvariants(collectorServices, goodCollectorOutput());
    BOOST_TEST(ms.empty(), collectorNotes(ms));
}

BOOST_AUTO_TEST_CASE(each_invariant_can_fail) {
    auto o = goodCollectorOutput();
    o["backups"]["off"] = {{"paths", {"/srv/off"}}, {"priority", 100}};
    o["persistence"].push_back("/srv/off");
    o["backupOrder"].push_back("off");
    BOOST_TEST(collectorViolates(o, "only enabled services are registered"));

    o = goodCollectorOutput();
    o["backups"].erase("app");
    o["backupOrder"] = {"db"};
    o["overlaps"] = json::array();
    BOOST_TEST(collectorViolates(o, "every enabled service with backupPaths is registered"));

    o = goodCollectorOutput();
    o["backups"]["app"]["paths"] = {"var/lib/app"};
    BOOST_TEST(collectorViolates(o, "absolute normalised"));
    o["backups"]["app"]["paths"] = {"/var/lib/app/"};
    BOOST_TEST(collectorViolates(o, "absolute normalised"));
    o["backups"]["app"]["paths"] = {"/var/lib/./app"};
    BOOST_TEST(collectorViolates(o, "absolute normalised"));

    o = goodCollectorOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/db"};
    BOOST_TEST(collectorViolates(o, "no path appears in two registrations"));

    o = goodCollectorOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/app"};
    BOOST_TEST(collectorViolates(o, "registration paths are unique"));

    o = goodCollectorOutput();
    o["backups"]["app"]["paths"] = {"/var/lib/app", "/var/lib/app/sub"};
    o["persistence"].push_back("/var/lib/app/sub");
    BOOST_TEST(collectorViolates(o, "nested in another path of the same registration"));

    o = goodCollectorOutput();
    o["persistence"].erase(0);
    BOOST_TEST(collectorViolates(o, "covered by the persistence list"));

    o = goodCollectorOutput();
    o["persistence"].push_back("/var/lib/app");
    BOOST_TEST(collectorViolates(o, "persistence entries are unique"));

    o = goodCollectorOutput();
    o["backupOrder"] = {"app", "db"};
    BOOST_TEST(collectorViolates(o, "sorted by (priority, name)"));

    o = goodCollectorOutput();
    o["backupOrder"] = {"db"};
    BOOST_TEST(collectorViolates(o, "backupOrder lists every registration"));

    o = goodCollectorOutput();
    o["overlaps"][0]["owner"] = "nobody";
    BOOST_TEST(collectorViolates(o, "an overlap's owner is a registration"));

    o = goodCollectorOutput();
    o["overlaps"][0]["path"] = "/elsewhere";
    BOOST_TEST(collectorViolates(o, "owner backs up the path"));

    o = goodCollectorOutput();
    o["overlaps"][0]["removedFrom"] = {"off"};
    BOOST_TEST(collectorViolates(o, "overlaps name only enabled services"));

    BOOST_TEST(collectorViolates(json::parse(R"({"persistence": []})"), "output has persistence"));
}

BOOST_AUTO_TEST_CASE(path_normal_form) {
    BOOST_TEST(isNormalisedAbsolutePath("/"));
    BOOST_TEST(isNormalisedAbsolutePath("/srv/my files/données"));
    BOOST_TEST(!isNormalisedAbsolutePath(""));
    BOOST_TEST(!isNormalisedAbsolutePath("//srv"));
    BOOST_TEST(!isNormalisedAbsolutePath("/srv/../etc"));
}

BOOST_AUTO_TEST_SUITE_END()
