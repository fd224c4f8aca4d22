///@file Tests of the backup module invariants: a correct output passes, and each invariant can fail.
#include "verify/backup_invariants.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace nixdrill::verify;
using nlohmann::json;

namespace {

const json settings = json::parse(R"({
  "enable": true,
  "restic": {"repositories": {
    "local": {"url": "/mnt/backup/restic", "passwordFile": "/run/secrets/p", "primary": true},
    "offsite": {"url": "sftp:nas:/restic", "passwordFile": "/run/secrets/o"}
  }}
})");

const json collector = json::parse(R"({
  "backups": {
    "db": {"paths": ["/var/lib/db"], "systemdUnits": ["db.service"], "priority": 10,
           "exclude": [], "preBackup": null, "postBackup": null},
    "app": {"paths": ["/var/lib/app", "/srv/app"], "systemdUnits": ["app.service", "worker.service"],
            "priority": 100, "exclude": [], "preBackup": null, "postBackup": null}
  },
  "backupOrder": ["db", "app"]
})");

std::string unitOf(const std::string& job) {
    return "restic-backups-" + job + ".service";
}

/// The shape of the lib's prepare text: stamp, then one `systemctl stop` line per unit.
std::string prepareText(const std::vector<std::string>& units) {
    std::string text = "set -e +u\ndate +%s >\"$nixdrill_runtime_dir/start\"\n";
    for (const auto& u : units) {
        text += "systemctl stop '" + u + "'\n";
    }
    return text;
}

/// The shape of the lib's cleanup text: one `systemctl start` per unit, in reverse order.
std::string cleanupText(const std::vector<std::string>& units) {
    std::string text = "set +eu\nnixdrill_rc=0\n";
    for (auto it = units.rbegin(); it != units.rend(); ++it) {
        text += "systemctl start '" + *it + "' || nixdrill_rc=$?\n";
    }
    return text + "exit \"$nixdrill_rc\"\n";
}

json makeJob(const std::string& name, const std::string& kind, const std::string& source, long long priority,
             const std::string& repository, const json& paths, const std::vector<std::string>& units,
             const std::vector<std::string>& after) {
    json afterUnits = json::array();
    for (const auto& a : after) {
        afterUnits.push_back(unitOf(a));
    }
    return {{"name", name},
            {"kind", kind},
            {"source", source},
            {"priority", priority},
            {"paths", paths},
            {"repositoryName", repository},
            {"systemdUnits", units},
            {"after", afterUnits},
            {"backupPrepareCommand", prepareText(units)},
            {"backupCleanupCommand", cleanupText(units)},
            {"unitName", unitOf(name)},
            {"metricsFile", "/var/lib/node_exporter/textfile_collector/restic-" + name + ".prom"}};
}

/// What renderBackups gives for `settings` and `collector` plus a hand-written job `etc` (priority 100,
/// primary repository) and a hand-written job `media` (priority 100, offsite repository).
json goodOutput() {
    json jobs = json::object();
    jobs["service-db"] =
        makeJob("service-db", "registration", "db", 10, "local", json{"/var/lib/db"}, {"db.service"}, {});
    jobs["etc"] = makeJob("etc", "manual", "etc", 100, "local", json{"/etc/nixos"}, {}, {"service-db"});
    jobs["media"] =
        makeJob("media", "manual", "media", 100, "offsite", json{"/srv/media"}, {"jellyfin.service"}, {"service-db"});
    jobs["service-app"] = makeJob("service-app", "registration", "app", 100, "local", json{"/var/lib/app", "/srv/app"},
                                  {"app.service", "worker.service"}, {"service-db", "etc"});
    return {{"ok", true},
            {"errors", json::array()},
            {"jobs", jobs},
            {"jobOrder", {"service-db", "etc", "media", "service-app"}},
            {"metricsFiles", json::object()}};
}

std::string notes(const std::vector<nixdrill::model::Mismatch>& ms) {
    std::string out;
    for (const auto& m : ms) {
        out += m.pointer + " " + m.note + "\n";
    }
    return out;
}

/// The notes of every violation of `output`, one "pointer note" line each.
std::string violations(const json& output, const json& config = settings) {
    return notes(checkBackupInvariants(config, collector, output));
}

bool violates(const json& output, const std::string& fragment, const json& config = settings) {
    return violations(output, config).find(fragment) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(verify_backup_invariants)

BOOST_AUTO_TEST_CASE(a_correct_output_has_no_violations) {
    auto ms = checkBackupInvariants(settings, collector, goodOutput());
    BOOST_TEST(ms.empty(), notes(ms));
}

BOOST_AUTO_TEST_CASE(unquoted_unit_names_in_the_hooks_are_understood) {
    auto o = goodOutput();
    o["jobs"]["service-app"]["backupPrepareCommand"] = "  systemctl stop app.service\nsystemctl stop worker.service\n";
    o["jobs"]["service-app"]["backupCleanupCommand"] =
        "systemctl start worker.service || rc=$?\n  systemctl start app.service; echo started\n";
    BOOST_TEST(violations(o).empty(), violations(o));
}

BOOST_AUTO_TEST_CASE(a_disabled_module_renders_no_jobs) {
    json disabled = settings;
    disabled["enable"] = false;
    auto empty = goodOutput();
    empty["jobs"] = json::object();
    empty["jobOrder"] = json::array();
    BOOST_TEST(violations(empty, disabled).empty(), violations(empty, disabled));
    BOOST_TEST(violates(goodOutput(), "a disabled backup module renders no jobs", disabled));
    // enable defaults to false, as the module's option does
    json unset = settings;
    unset.erase("enable");
    BOOST_TEST(violates(goodOutput(), "/backup/jobs invariant: a disabled backup module renders no jobs", unset));
}

BOOST_AUTO_TEST_CASE(output_shape) {
    BOOST_TEST(violates(json::parse(R"({"ok": true, "jobs": {}})"), "output has jobs (object) and jobOrder (list)"));
    BOOST_TEST(violates(json::parse(R"({"jobs": [], "jobOrder": []})"), "output has jobs (object) and jobOrder"));
    BOOST_TEST(violates(json::array(), "output has jobs (object) and jobOrder"));
}

BOOST_AUTO_TEST_CASE(every_registration_has_its_job) {
    auto o = goodOutput();
    o["jobs"].erase("service-app");
    o["jobOrder"] = {"service-db", "etc", "media"};
    BOOST_TEST(violates(o, "/backup/jobs/service-app invariant: each registration has exactly one job, named "
                           "service-<name>"));

    // A job for the registration exists, under another name.
    o = goodOutput();
    o["jobs"]["app-backup"] = o["jobs"]["service-app"];
    o["jobs"]["app-backup"]["name"] = "app-backup";
    o["jobs"]["app-backup"]["unitName"] = unitOf("app-backup");
    o["jobs"].erase("service-app");
    o["jobOrder"] = {"service-db", "app-backup", "etc", "media"};
    BOOST_TEST(violates(o, "each registration has exactly one job, named service-<name>"));
}

BOOST_AUTO_TEST_CASE(no_registration_has_two_jobs) {
    auto o = goodOutput();
    o["jobs"]["service-app2"] = o["jobs"]["service-app"];
    o["jobs"]["service-app2"]["name"] = "service-app2";
    o["jobs"]["service-app2"]["unitName"] = unitOf("service-app2");
    o["jobs"]["service-app2"]["metricsFile"] = "/m/restic-service-app2.prom";
    o["jobs"]["service-app2"]["after"] = {unitOf("service-db"), unitOf("etc"), unitOf("service-app")};
    o["jobOrder"].push_back("service-app2");
    BOOST_TEST(violates(o, "/backup/jobs/service-app2 invariant: each registration has exactly one job (also "
                           "'service-app')"));
}

BOOST_AUTO_TEST_CASE(a_registration_job_backs_up_a_registration_and_its_paths) {
    auto o = goodOutput();
    o["jobs"]["service-app"]["paths"] = {"/var/lib/app"};
    BOOST_TEST(violates(o, "/backup/jobs/service-app/paths invariant: a registration's job backs up the "
                           "registration's paths"));

    o = goodOutput();
    o["jobs"]["etc"]["kind"] = "registration";
    BOOST_TEST(violates(o, "/backup/jobs/etc invariant: a registration job's source is a registration"));
}

BOOST_AUTO_TEST_CASE(every_job_uses_a_defined_repository) {
    auto o = goodOutput();
    o["jobs"]["media"]["repositoryName"] = "tape";
    BOOST_TEST(violates(o, "/backup/jobs/media/repositoryName invariant: each job's repository exists"));

    json noRepositories = settings;
    noRepositories["restic"].erase("repositories");
    BOOST_TEST(violates(goodOutput(), "each job's repository exists", noRepositories));
}

BOOST_AUTO_TEST_CASE(job_order_is_sorted_and_complete) {
    auto o = goodOutput();
    o["jobOrder"] = {"etc", "service-db", "media", "service-app"};
    BOOST_TEST(violates(o, "/backup/jobOrder/1 invariant: jobOrder is sorted by (priority, name)"));

    // Same priority: by name.
    o = goodOutput();
    o["jobOrder"] = {"service-db", "media", "etc", "service-app"};
    BOOST_TEST(violates(o, "/backup/jobOrder/2 invariant: jobOrder is sorted by (priority, name)"));

    o = goodOutput();
    o["jobOrder"] = {"service-db", "etc", "media"};
    BOOST_TEST(violates(o, "/backup/jobOrder invariant: jobOrder lists every job once"));

    o = goodOutput();
    o["jobOrder"].push_back("ghost");
    BOOST_TEST(violates(o, "/backup/jobOrder/4 invariant: jobOrder names jobs only"));

    // A job listed twice (and so another one missing, with the same length).
    o = goodOutput();
    o["jobOrder"] = {"service-db", "etc", "etc", "service-app"};
    BOOST_TEST(violates(o, "jobOrder lists every job once (twice: 'etc')"));
    BOOST_TEST(violates(o, "jobOrder lists every job once (missing 'media')"));

    // A name that is not a job ahead of real ones is reported, not a crash.
    o = goodOutput();
    o["jobOrder"] = {"ghost", "service-db", "etc", "media", "service-app"};
    BOOST_TEST(violates(o, "/backup/jobOrder/0 invariant: jobOrder names jobs only"));
}

BOOST_AUTO_TEST_CASE(after_points_to_earlier_jobs_only) {
    auto o = goodOutput();
    o["jobs"]["service-db"]["after"] = {unitOf("etc")};
    BOOST_TEST(violates(o, "/backup/jobs/service-db/after invariant: ordering is acyclic"));

    o = goodOutput();
    o["jobs"]["etc"]["after"] = {unitOf("service-db"), unitOf("etc")};
    BOOST_TEST(violates(o, "/backup/jobs/etc/after invariant: ordering is acyclic"));

    o = goodOutput();
    o["jobs"]["etc"]["after"] = {unitOf("service-db"), "postgresql.service"};
    BOOST_TEST(violates(o, "/backup/jobs/etc/after invariant: `after` names job units only"));
}

BOOST_AUTO_TEST_CASE(no_job_waits_for_a_higher_priority_number) {
    // With jobOrder sorted, an edge to a higher number is also an edge to a later job; with the order
    // broken, the priority rule still catches it.
    auto o = goodOutput();
    o["jobOrder"] = {"etc", "service-db", "media", "service-app"};
    o["jobs"]["etc"]["after"] = json::array();
    o["jobs"]["service-db"]["after"] = {unitOf("etc")};
    BOOST_TEST(violates(o, "/backup/jobs/service-db/after invariant: a job never waits for a job of a higher "
                           "priority number"));
}

BOOST_AUTO_TEST_CASE(every_lower_priority_number_runs_first) {
    auto o = goodOutput();
    o["jobs"]["service-app"]["after"] = {unitOf("etc")};
    BOOST_TEST(violates(o, "/backup/jobs/service-app/after invariant: a job runs after every job of a lower priority "
                           "number (missing restic-backups-service-db.service)"));

    o = goodOutput();
    o["jobs"]["media"]["after"] = json::array();
    BOOST_TEST(violates(o, "/backup/jobs/media/after invariant: a job runs after every job of a lower priority"));
}

BOOST_AUTO_TEST_CASE(prepare_stops_the_units_in_order) {
    auto o = goodOutput();
    o["jobs"]["service-app"]["backupPrepareCommand"] = prepareText({"worker.service", "app.service"});
    BOOST_TEST(violates(o, "/backup/jobs/service-app/backupPrepareCommand invariant: the prepare step stops the "
                           "job's systemdUnits in order"));

    o = goodOutput();
    o["jobs"]["service-app"]["backupPrepareCommand"] = prepareText({"app.service"});
    BOOST_TEST(violates(o, "the prepare step stops the job's systemdUnits in order"));
}

BOOST_AUTO_TEST_CASE(cleanup_starts_every_stopped_unit_in_reverse_order) {
    const std::string message = "/backup/jobs/service-app/backupCleanupCommand invariant: every unit stopped is "
                                "started again by the cleanup, in reverse order";

    // A unit stopped but never started again: drop its start line from the rendered text.
    auto o = goodOutput();
    std::string text = o["jobs"]["service-app"]["backupCleanupCommand"];
    const std::string line = "systemctl start 'app.service' || nixdrill_rc=$?\n";
    auto at = text.find(line);
    BOOST_TEST_REQUIRE(at != std::string::npos);
    o["jobs"]["service-app"]["backupCleanupCommand"] = text.erase(at, line.size());
    BOOST_TEST(violates(o, message));

    // Started in the stop order instead of the reverse.
    o = goodOutput();
    o["jobs"]["service-app"]["backupCleanupCommand"] = cleanupText({"worker.service", "app.service"});
    BOOST_TEST(violates(o, message));

    // A cleanup that starts nothing at all.
    o = goodOutput();
    o["jobs"]["service-db"]["backupCleanupCommand"] = "exit 0\n";
    BOOST_TEST(violates(o, "/backup/jobs/service-db/backupCleanupCommand invariant: every unit stopped"));
}

BOOST_AUTO_TEST_CASE(metrics_files_are_unique) {
    auto o = goodOutput();
    o["jobs"]["media"]["metricsFile"] = o["jobs"]["etc"]["metricsFile"];
    BOOST_TEST(violates(o, "invariant: metrics file names are unique (also job '"));

    // No metrics (monitoring disabled) is not a duplicate.
    o = goodOutput();
    for (auto& [name, job] : o["jobs"].items()) {
        job["metricsFile"] = nullptr;
    }
    BOOST_TEST(violations(o).empty(), violations(o));
}

BOOST_AUTO_TEST_SUITE_END()
