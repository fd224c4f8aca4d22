///@file runDrill's case bookkeeping: retries reported as flaky, the deadline, redaction of evidence.
#include "engine/drill_runner.hpp"
#include "engine/steps/registry.hpp"
#include "guest/base64.hpp"
#include "scenario/drill_parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

namespace nixdrill::model {
// Outcomes print by name in failed checks.
std::ostream& operator<<(std::ostream& out, Outcome outcome) {
    return out << toString(outcome);
}
} // namespace nixdrill::model

using namespace nixdrill;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Agent file operations in memory (the drill writes the password file and the seed archive).
class FileTransport final : public guest::AgentTransport {
public:
    std::map<std::string, std::string> files;

    std::string command(const std::string& text, std::chrono::milliseconds) override {
        auto cmd = json::parse(text);
        auto name = cmd["execute"].get<std::string>();
        const auto& args = cmd.contains("arguments") ? cmd["arguments"] : json::object();
        json ret = json::object();
        if (name == "guest-file-open") {
            auto handle = static_cast<std::int64_t>(open_.size()) + 1;
            open_[handle] = args["path"].get<std::string>();
            files[open_[handle]].clear();
            ret = handle;
        } else if (name == "guest-file-write") {
            auto piece = guest::base64Decode(args["buf-b64"].get<std::string>());
            files[open_.at(args["handle"].get<std::int64_t>())] += piece;
            ret = {{"count", piece.size()}, {"eof", false}};
        }
        return json({{"return", ret}}).dump();
    }

private:
    std::map<std::int64_t, std::string> open_;
};

// A guest whose commands all succeed unless `handler` says otherwise.
class FakeGuest final : public guest::Guest {
public:
    std::function<std::optional<guest::ExecResult>(const std::string&, std::chrono::milliseconds)> handler;
    std::vector<std::pair<std::string, std::chrono::milliseconds>> commands;
    FileTransport transport;

    const std::string& name() const override { return name_; }
    void start() override {}
    bool isUp() override { return true; }
    void shutdown(std::chrono::milliseconds) override {}
    void destroy() noexcept override {}
    guest::ExecResult exec(std::string_view command, std::chrono::milliseconds timeout,
                           std::optional<std::string>) override {
        commands.emplace_back(std::string(command), timeout);
        guest::ExecResult r;
        r.command = std::string(command);
        r.exitCode = 0;
        if (handler) {
            if (auto answer = handler(r.command, timeout)) {
                answer->command = r.command;
                return *answer;
            }
        }
        return r;
    }
    /// The repository password the drill generated (what it wrote to the password file).
    std::string password() const {
        auto text = transport.files.at("/run/keys/restic-password");
        return text.substr(0, text.find('\n'));
    }

protected:
    guest::Agent& agent() override { return agent_; }

private:
    std::string name_ = "fake";
    guest::Agent agent_{transport};
};

model::Scenario scenarioWith(const std::string& drillJson) {
    model::Scenario s;
    s.name = "unit";
    s.file = "unit.json";
    s.drill = scenario::parseDrill(nlohmann::ordered_json::parse(drillJson), "unit.json",
                                   nixdrill::engine::steps::catalogue());
    return s;
}

engine::DrillPlan onePlan() {
    engine::DrillJob job;
    job.name = "app";
    job.unit = "restic-backups-app.service";
    job.paths = {"/var/lib/app"};
    job.repository = "/var/lib/restic/app";
    job.passwordFile = "/run/keys/restic-password";
    engine::DrillPlan plan;
    plan.jobs.push_back(job);
    return plan;
}

bool isCheck(const std::string& cmd) {
    return cmd.find("restic check") != std::string::npos;
}

guest::ExecResult exited(int code, std::string err = "") {
    guest::ExecResult r;
    r.exitCode = code;
    r.err = std::move(err);
    return r;
}

const char* verifyWithRetries = R"({"data": {"app": {"files": 2}},
    "steps": [{"action": "verify-repository", "retries": 2}]})";

} // namespace

BOOST_AUTO_TEST_SUITE(drill_runner)

BOOST_AUTO_TEST_CASE(a_pass_after_a_retry_is_flaky_and_keeps_the_failed_attempt) {
    auto s = scenarioWith(verifyWithRetries);
    auto plan = onePlan();
    FakeGuest g;
    int checks = 0;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isCheck(cmd) && ++checks == 1) {
            return exited(1, "unable to create lock: repository is already locked");
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    const auto& c = cases[1];
    BOOST_TEST(checks == 2);
    BOOST_TEST(c.outcome == model::Outcome::Passed);
    BOOST_TEST(c.flaky());
    BOOST_TEST(c.attempts() == 2u);
    BOOST_REQUIRE_EQUAL(c.failedAttempts.size(), 1u);
    BOOST_TEST(c.failedAttempts[0].outcome == model::Outcome::Failed);
    BOOST_TEST(c.failedAttempts[0].message.find("already locked") != std::string::npos);
    BOOST_TEST(model::countCases(cases).flaky == 1u);
}

BOOST_AUTO_TEST_CASE(the_seed_archive_is_built_in_the_hosts_scratch_directory) {
    // The guest's run directory in production: the next run's sweep removes it after a kill -9.
    auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "steps": [{"action": "mutate"}]})");
    auto plan = onePlan();
    util::TempDir scratch("nixdrill-test-scratch-");
    auto seedDirs = [&] {
        unsigned n = 0;
        for (const auto& e : std::filesystem::directory_iterator(scratch.path())) {
            n += e.path().filename().string().rfind("nixdrill-seed-", 0) == 0 ? 1 : 0;
        }
        return n;
    };
    FakeGuest g;
    int whileUnpacking = -1;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (cmd.find("nixdrill-seed.tar -C /") != std::string::npos) {
            whileUnpacking = static_cast<int>(seedDirs());
        }
        return std::nullopt;
    };
    engine::DrillOptions o;
    o.hostScratch = [&] { return scratch.path(); };
    auto cases = engine::runDrill(s, plan, g, o);
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(cases[0].outcome == model::Outcome::Passed);
    BOOST_TEST(whileUnpacking == 1); // the archive was there, in the scratch directory
    BOOST_TEST(seedDirs() == 0u);    // and is gone once the seed is in the guest
}

BOOST_AUTO_TEST_CASE(without_retries_a_failure_is_final) {
    auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "steps": [{"action": "verify-repository"}]})");
    auto plan = onePlan();
    FakeGuest g;
    int checks = 0;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isCheck(cmd) && ++checks == 1) {
            return exited(1, "Fatal: wrong password");
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(checks == 1);
    BOOST_TEST(cases[1].outcome == model::Outcome::Failed);
    BOOST_TEST(cases[1].failedAttempts.empty());
    BOOST_TEST(!cases[1].flaky());
}

BOOST_AUTO_TEST_CASE(a_drill_that_stops_at_its_first_failure_skips_the_rest_and_says_why) {
    const char* twoChecks = R"({"data": {"app": {"files": 2}}, "steps": [
        {"action": "verify-repository", "name": "first"}, {"action": "verify-repository", "name": "second"}]})";
    for (bool stop : {false, true}) {
        auto s = scenarioWith(twoChecks);
        s.drill->stopAtFirstFailure = stop;
        auto plan = onePlan();
        FakeGuest g;
        int checks = 0;
        g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
            if (isCheck(cmd) && ++checks == 1) {
                return exited(1, "Fatal: pack abc is damaged");
            }
            return std::nullopt;
        };
        auto cases = engine::runDrill(s, plan, g, {});
        BOOST_REQUIRE_EQUAL(cases.size(), 3u);
        BOOST_TEST(cases[1].outcome == model::Outcome::Failed);
        if (stop) {
            BOOST_TEST(checks == 1);
            BOOST_TEST(cases[2].outcome == model::Outcome::Skipped);
            BOOST_TEST(cases[2].message == "not run: first failed (the drill stops at its first failure)");
        } else {
            BOOST_TEST(checks == 2);
            BOOST_TEST(cases[2].outcome == model::Outcome::Passed);
        }
    }
}

BOOST_AUTO_TEST_CASE(retries_run_out_then_the_case_fails_with_every_attempt) {
    auto s = scenarioWith(verifyWithRetries);
    auto plan = onePlan();
    FakeGuest g;
    int checks = 0;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isCheck(cmd)) {
            ++checks;
            return exited(1, "Fatal: pack abc is damaged");
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_TEST(checks == 3);
    BOOST_TEST(cases[1].outcome == model::Outcome::Failed);
    BOOST_TEST(cases[1].failedAttempts.size() == 2u);
    BOOST_TEST(!cases[1].flaky());
    BOOST_TEST(model::countCases(cases).flaky == 0u);
}

BOOST_AUTO_TEST_CASE(a_deadline_already_passed_breaks_the_first_step_and_skips_the_rest) {
    auto s = scenarioWith(verifyWithRetries);
    auto plan = onePlan();
    FakeGuest g;
    engine::DrillOptions o;
    o.deadline = std::chrono::steady_clock::now() - 1s;
    o.deadlineWhat = "the run deadline (--deadline 5 s)";
    auto cases = engine::runDrill(s, plan, g, o);
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(cases[0].outcome == model::Outcome::Broken);
    BOOST_TEST(cases[0].message == "not started: the run deadline (--deadline 5 s) passed");
    BOOST_TEST(cases[1].outcome == model::Outcome::Skipped);
    BOOST_TEST(cases[1].message == "not run: the run deadline (--deadline 5 s) passed");
    BOOST_TEST(g.commands.empty());
}

BOOST_AUTO_TEST_CASE(a_step_cut_by_the_deadline_is_broken_with_what_it_waited_for_and_not_retried) {
    auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "timeouts": {"step": 600},
        "steps": [{"action": "verify-repository", "retries": 3}, {"action": "check-metrics"}]})");
    auto plan = onePlan();
    FakeGuest g;
    int checks = 0;
    g.handler = [&](const std::string& cmd, std::chrono::milliseconds timeout) -> std::optional<guest::ExecResult> {
        if (isCheck(cmd)) {
            ++checks;
            // A hung restic: the agent gives up when the (deadline-cut) timeout is over.
            std::this_thread::sleep_for(timeout);
            throw util::TimeoutError("`restic check` did not finish within " + std::to_string(timeout.count()) +
                                     " ms (guest pid 7 and its children killed)");
        }
        return std::nullopt;
    };
    engine::DrillOptions o;
    o.deadline = std::chrono::steady_clock::now() + 1500ms;
    o.deadlineWhat = "the run deadline (--deadline 2 s)";
    auto t0 = std::chrono::steady_clock::now();
    auto cases = engine::runDrill(s, plan, g, o);
    auto took = std::chrono::steady_clock::now() - t0;
    BOOST_REQUIRE_EQUAL(cases.size(), 3u);
    BOOST_TEST(cases[0].outcome == model::Outcome::Passed);
    BOOST_TEST(cases[1].outcome == model::Outcome::Broken);
    BOOST_TEST(cases[1].message.find("the run deadline (--deadline 2 s) passed during this step; it was waiting "
                                     "for: `restic check` did not finish") == 0,
               cases[1].message);
    BOOST_TEST(checks == 1); // past the deadline nothing is retried
    BOOST_TEST(cases[2].outcome == model::Outcome::Skipped);
    BOOST_TEST(cases[2].message == "not run: the run deadline (--deadline 2 s) passed");
    // The 600 s step timeout was cut to the deadline (at least 1 s, so a call can still report).
    BOOST_TEST(took < 5s);
}

BOOST_AUTO_TEST_CASE(the_password_is_redacted_from_messages_evidence_and_attempts) {
    auto s = scenarioWith(verifyWithRetries);
    auto plan = onePlan();
    FakeGuest g;
    int checks = 0;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isCheck(cmd)) {
            // A (hypothetical) restic that echoes its password in an error.
            return exited(1,
                          "Fatal: password " + g.password() + " is wrong (attempt " + std::to_string(++checks) + ")");
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    auto secret = g.password();
    BOOST_REQUIRE_GE(secret.size(), 20u);
    const auto& c = cases[1];
    BOOST_TEST(c.outcome == model::Outcome::Failed);
    BOOST_TEST(c.message.find("[REDACTED]") != std::string::npos, c.message);
    BOOST_TEST(c.message.find(secret) == std::string::npos);
    BOOST_REQUIRE_EQUAL(c.failedAttempts.size(), 2u);
    for (const auto& a : c.failedAttempts) {
        BOOST_TEST(a.message.find(secret) == std::string::npos);
        BOOST_TEST(a.message.find("[REDACTED]") != std::string::npos);
        BOOST_TEST(a.output.find(secret) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_planted_secret_prefix_marks_the_generated_password) {
    auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "steps": [{"action": "verify-repository"}]})");
    auto plan = onePlan();
    FakeGuest g;
    ::setenv("NIXDRILL_TEST_PLANTED_SECRET", "PLANTED-4f1c", 1);
    auto cases = engine::runDrill(s, plan, g, {});
    ::unsetenv("NIXDRILL_TEST_PLANTED_SECRET");
    auto secret = g.password();
    BOOST_TEST(secret.rfind("PLANTED-4f1c", 0) == 0, secret);
    BOOST_TEST(secret.size() > std::string("PLANTED-4f1c").size() + 30);
}

// Isolation: a drill refuses repositories outside its guest's own disks.
BOOST_AUTO_TEST_CASE(a_drill_refuses_repositories_outside_its_guest) {
    auto evaluation = [](const std::string& url) {
        return json{{"backup",
                     {{"jobOrder", {"app"}},
                      {"jobs",
                       {{"app",
                         {{"paths", {"/var/lib/app"}},
                          {"repository", url},
                          {"repositoryName", "offsite"},
                          {"passwordFile", "/run/keys/pw"}}}}}}}};
    };
    BOOST_TEST(engine::planFromEvaluation(evaluation("/var/lib/restic")).jobs.at(0).repository == "/var/lib/restic");
    for (std::string url :
         {"s3:s3.amazonaws.com/bucket", "sftp:user@host:/srv/restic", "rest:https://host:8000/", "b2:bucket:path",
          "rclone:remote:path", "azure:container:/", "gs:bucket:/", "relative/path"}) {
        try {
            engine::planFromEvaluation(evaluation(url));
            BOOST_FAIL("accepted " + url);
        } catch (const util::InputError& e) {
            std::string m = e.what();
            BOOST_TEST(m.find("/backup/jobs/app/repository: a drill only writes to a repository on its guest's own "
                              "disks") == 0,
                       m);
            BOOST_TEST(m.find("modules.backup.restic.repositories.offsite.url") != std::string::npos, m);
            BOOST_TEST(m.find(url) != std::string::npos);
        }
    }
}

// check-service (engine/steps/service.cpp): ready, not ready (Failed with the script's lines and
// the unit's state), a unit that does not start (Failed), a script that cannot run (Broken), and
// a drill whose contracts declare no readiness check (Broken, the option named).
namespace {

engine::DrillPlan healthPlan() {
    auto plan = onePlan();
    plan.jobs[0].systemdUnits = {"app.service"};
    plan.jobs[0].healthFile = "health-app.sh";
    plan.jobs[0].healthServices = {"app"};
    plan.jobs[0].healthTimeout = 30;
    return plan;
}

const char* checkOnly = R"({"data": {"app": {"files": 2}}, "steps": [{"action": "check-service"}]})";

bool isHealth(const std::string& cmd) {
    return cmd.find("health-app.sh") != std::string::npos && cmd.find("--wait") != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(check_service_passes_when_the_readiness_checks_pass_and_measures_it) {
    auto s = scenarioWith(checkOnly);
    auto plan = healthPlan();
    FakeGuest g;
    bool asked = false;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isHealth(cmd)) {
            asked = true;
            auto r = exited(0);
            r.out = "ready app after 2 s\n";
            return r;
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(asked);
    BOOST_TEST(cases[1].outcome == model::Outcome::Passed, cases[1].message);
    BOOST_TEST(cases[1].kind == "drill:check-service");
    BOOST_TEST(cases[1].properties.count("ready.app") == 1u);
    BOOST_TEST(cases[1].properties.count("rto.app") == 0u); // no in-place restore to measure from
    BOOST_TEST(cases[1].output.find("ready app after 2 s") != std::string::npos, cases[1].output);
}

BOOST_AUTO_TEST_CASE(check_service_fails_when_a_restored_service_is_not_ready) {
    auto s = scenarioWith(checkOnly);
    auto plan = healthPlan();
    FakeGuest g;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isHealth(cmd)) {
            auto r = exited(1);
            r.out = "not ready app (exit 1) after 30 s: cannot open /var/lib/app/db: Permission denied\n";
            return r;
        }
        if (cmd.find("is-active") != std::string::npos) {
            auto r = exited(0);
            r.out = "active\n";
            return r;
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(cases[1].outcome == model::Outcome::Failed);
    const auto& m = cases[1].message;
    BOOST_TEST(m.find("job app: its services are not ready within 30 s (no in-place restore before this step)") !=
                   std::string::npos,
               m);
    BOOST_TEST(m.find("Permission denied") != std::string::npos, m);
    BOOST_TEST(m.find("--- app.service: active ---") != std::string::npos, m);
    BOOST_TEST(cases[1].properties.empty());
}

BOOST_AUTO_TEST_CASE(check_service_fails_when_a_unit_does_not_start_and_breaks_when_the_check_cannot_run) {
    auto s = scenarioWith(checkOnly);
    auto plan = healthPlan();
    FakeGuest g;
    int starts = 0;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        // The first start is provisioning's (the unit runs); the step's own start fails.
        if (cmd == "systemctl start 'app.service'" && ++starts > 1) {
            return exited(1, "Job for app.service failed because the control process exited with error code.");
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(cases[1].outcome == model::Outcome::Failed);
    BOOST_TEST(cases[1].message.find("unit app.service does not start: ") != std::string::npos, cases[1].message);

    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (isHealth(cmd)) {
            return exited(127, "health-app.sh: command not found");
        }
        return std::nullopt;
    };
    cases = engine::runDrill(s, plan, g, {});
    BOOST_TEST(cases[1].outcome == model::Outcome::Broken);
    BOOST_TEST(cases[1].message.find("health-app.sh could not run") != std::string::npos, cases[1].message);

    auto none = onePlan(); // no readiness checks rendered
    cases = engine::runDrill(s, none, g, {});
    BOOST_TEST(cases[1].outcome == model::Outcome::Broken);
    BOOST_TEST(cases[1].message.find("qgroget.serviceModules.<name>.healthCheck") != std::string::npos,
               cases[1].message);
}

// A drill of container backups alone: the plan holds the rendered settings and files.
BOOST_AUTO_TEST_CASE(a_plan_of_container_backups) {
    json settings = {{"serviceName", "podman-web.service"},
                     {"unit", "site-backup.service"},
                     {"dataPaths", {"/var/lib/containers/storage/volumes/web/_data"}},
                     {"destinations", {"/backup/a", "/backup/b"}},
                     {"format", "zip"},
                     {"owner", "backup:backup"},
                     {"fileMode", "0640"},
                     {"maxRetentionDays", 4},
                     {"retentionSnapshots", 2}};
    json value = {{"containers",
                   {{"site", {{"ok", true}, {"settings", settings}, {"files", {{"site-backup.sh", "#!/bin/sh\n"}}}}},
                    {"off", {{"ok", true}, {"settings", nullptr}, {"files", json::object()}}}}}};
    auto plan = engine::planFromEvaluation(value);
    BOOST_TEST(plan.jobs.empty());
    BOOST_REQUIRE_EQUAL(plan.containers.size(), 1U);
    const auto& cb = plan.containers[0];
    BOOST_TEST(cb.name == "site");
    BOOST_TEST(cb.destinations.size() == 2U);
    BOOST_TEST(cb.maxRetentionDays == 4U);
    BOOST_TEST(cb.retentionSnapshots == 2U);
    BOOST_TEST(plan.files.contains("site-backup.sh"));
    settings.erase("destinations");
    value["containers"]["site"]["settings"] = settings;
    try {
        engine::planFromEvaluation(value);
        BOOST_FAIL("a container backup without destinations was planned");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("/containers/site/settings: a drillable container backup") == 0,
                   e.what());
    }
    try {
        engine::planFromEvaluation(json{{"containers", {{"off", {{"settings", nullptr}}}}}});
        BOOST_FAIL("an evaluation with nothing to drill was planned");
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("no enabled container backups") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// audit-state: what the guest lists as written since the baseline, judged against the declared
// paths (persistence, job paths), the volatile places and the repository.
BOOST_AUTO_TEST_CASE(audit_state_reports_what_no_contract_declares_by_directory) {
    for (std::string severity : {"fail", "warn"}) {
        auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "steps": [{"action": "audit-state", "name": "audit",
            "allow": ["/srv/scratch"], "severity": ")" +
                              severity + R"("}]})");
        auto plan = onePlan();
        plan.persistence = {"/var/lib/app", "/var/lib/app-db"};
        FakeGuest g;
        bool baseline = false;
        g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
            if (cmd.rfind("touch /run/nixdrill-audit-baseline", 0) == 0) {
                baseline = true;
            }
            if (cmd.find("findmnt") != std::string::npos && cmd.find("-newer") != std::string::npos) {
                static const char listing[] =
                    "/var/lib/app/a\0/var/lib/app-db/ibdata\0/tmp/x\0/var/lib/restic/app/config\0"
                    "/srv/scratch/y\0/var/lib/other/state.db\0/var/lib/other/state.db-wal\0/etc/app.conf\0";
                auto r = exited(0);
                r.out.assign(listing, sizeof listing - 1); // find -print0: NUL-separated
                return r;
            }
            return std::nullopt;
        };
        auto cases = engine::runDrill(s, plan, g, {});
        BOOST_REQUIRE_EQUAL(cases.size(), 2u);
        BOOST_TEST(baseline);
        const auto& audit = cases[1];
        BOOST_TEST(audit.kind == "drill:audit-state");
        BOOST_TEST(audit.properties.at("audit.unprotected") == "3");
        std::string groups = "/etc: 1 file(s) (app.conf)\n/var/lib/other: 2 file(s) (state.db, state.db-wal)\n";
        if (severity == "fail") {
            BOOST_TEST(audit.outcome == model::Outcome::Failed);
            BOOST_TEST(audit.message.find("3 file(s) in 2 directories written since the services started") == 0,
                       audit.message);
            BOOST_TEST(audit.message.find(groups) != std::string::npos, audit.message);
        } else {
            BOOST_TEST(audit.outcome == model::Outcome::Passed, audit.message);
            BOOST_TEST(audit.output.find("warning: 3 file(s) in 2 directories") != std::string::npos, audit.output);
        }
    }
}

BOOST_AUTO_TEST_CASE(audit_state_without_its_baseline_is_broken) {
    auto s = scenarioWith(R"({"data": {"app": {"files": 2}}, "steps": [{"action": "audit-state"}]})");
    auto plan = onePlan();
    FakeGuest g;
    g.handler = [&](const std::string& cmd, auto) -> std::optional<guest::ExecResult> {
        if (cmd == "test -f /run/nixdrill-audit-baseline") {
            return exited(1);
        }
        return std::nullopt;
    };
    auto cases = engine::runDrill(s, plan, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST(cases[1].outcome == model::Outcome::Broken);
    BOOST_TEST(cases[1].message.find("baseline /run/nixdrill-audit-baseline is gone") != std::string::npos,
               cases[1].message);
}
