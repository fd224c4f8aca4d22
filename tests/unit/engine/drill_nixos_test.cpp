///@file Provisioning a NixOS guest: the system's own units are used (and checked), nothing rendered is installed.
#include "engine/drill_runner.hpp"
#include "engine/steps/registry.hpp"
#include "guest/base64.hpp"
#include "scenario/drill_parser.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using namespace nixdrill;
using nlohmann::json;

namespace {

// Keeps the files the drill writes through the agent.
class RecordingTransport final : public guest::AgentTransport {
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

// A guest whose commands succeed except those in `failing`; NixOS or not as told.
class ProvisionGuest final : public guest::Guest {
public:
    bool nixos = false;
    std::set<std::string> failing;
    std::vector<std::string> commands;
    RecordingTransport transport;

    const std::string& name() const override { return name_; }
    void start() override {}
    bool isUp() override { return true; }
    bool providesBackupUnits() const override { return nixos; }
    void shutdown(std::chrono::milliseconds) override {}
    void destroy() noexcept override {}
    guest::ExecResult exec(std::string_view command, std::chrono::milliseconds, std::optional<std::string>) override {
        commands.emplace_back(command);
        guest::ExecResult r;
        r.command = std::string(command);
        r.exitCode = failing.contains(r.command) ? 1 : 0;
        return r;
    }
    bool ran(const std::string& command) const {
        return std::find(commands.begin(), commands.end(), command) != commands.end();
    }

protected:
    guest::Agent& agent() override { return agent_; }

private:
    std::string name_ = "provision";
    guest::Agent agent_{transport};
};

model::Scenario nixosScenario() {
    model::Scenario s;
    s.name = "drill-nixos";
    s.file = "drill-nixos.json";
    s.drill = scenario::parseDrill(nlohmann::ordered_json::parse(R"({"guest": "nixos", "data": {"app": {"files": 2}},
                                          "steps": [{"action": "verify-repository"}]})"),
                                   "drill-nixos.json", nixdrill::engine::steps::catalogue());
    return s;
}

engine::DrillPlan plan() {
    engine::DrillJob job;
    job.name = "service-app";
    job.source = "app";
    job.unit = "restic-backups-service-app.service";
    job.paths = {"/var/lib/app"};
    job.systemdUnits = {"app.service", "app-cron.timer"};
    job.repository = "/var/lib/restic/app";
    job.passwordFile = "/run/keys/restic-password";
    engine::DrillPlan p;
    p.jobs.push_back(job);
    p.files["run-service-app.sh"] = "#!/usr/bin/env bash\n";
    p.files["restic-backups-service-app.service"] = "[Service]\n";
    return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(drill_nixos)

BOOST_AUTO_TEST_CASE(nixos_guest_uses_its_own_units_and_installs_nothing_rendered) {
    auto s = nixosScenario();
    auto p = plan();
    ProvisionGuest g;
    g.nixos = true;
    auto cases = engine::runDrill(s, p, g, {});
    BOOST_REQUIRE(!cases.empty());
    BOOST_TEST(cases[0].name == "0-provision");
    BOOST_TEST((cases[0].outcome == model::Outcome::Passed), cases[0].message);
    // Every job unit and every unit it stops must exist in the system; probes are started.
    BOOST_TEST(g.ran("systemctl cat 'restic-backups-service-app.service' >/dev/null 2>&1"));
    BOOST_TEST(g.ran("systemctl cat 'app.service' >/dev/null 2>&1"));
    BOOST_TEST(g.ran("systemctl cat 'app-cron.timer' >/dev/null 2>&1"));
    BOOST_TEST(g.ran("systemctl start 'app.service'"));
    // Only the per-run secret, the seed data and the harness's own listing of what restic reads
    // were written: no rendered script or unit file. The listing's drop-in is in /run, as /etc
    // is the NixOS system's.
    const std::string dropIn = "/run/systemd/system/restic-backups-service-app.service.d/nixdrill-capture.conf";
    for (const auto& [path, content] : g.transport.files) {
        BOOST_TEST((path == "/run/keys/restic-password" || path == "/var/tmp/nixdrill-seed.tar" ||
                    path == "/usr/local/lib/nixdrill/manifest.sh" || path == "/usr/local/bin/nixdrill-capture" ||
                    path == dropIn),
                   path);
    }
    BOOST_TEST(g.transport.files.contains("/run/keys/restic-password"));
    BOOST_REQUIRE(g.transport.files.contains(dropIn));
    BOOST_TEST(g.transport.files.at(dropIn) ==
               "[Service]\nExecStartPre=-/usr/local/bin/nixdrill-capture \"service-app\" \"/var/lib/app\"\n");
    BOOST_TEST(cases[0].output.find("used the NixOS system's 1 job units and 1 probe units") != std::string::npos,
               cases[0].output);
}

BOOST_AUTO_TEST_CASE(nixos_guest_of_another_scenario_is_broken_with_the_reason) {
    auto s = nixosScenario();
    auto p = plan();
    ProvisionGuest g;
    g.nixos = true;
    g.failing.insert("systemctl cat 'app.service' >/dev/null 2>&1");
    auto cases = engine::runDrill(s, p, g, {});
    BOOST_REQUIRE_EQUAL(cases.size(), 2u);
    BOOST_TEST((cases[0].outcome == model::Outcome::Broken));
    BOOST_TEST(cases[0].message.find("the NixOS guest has no unit app.service (was its image built for scenario "
                                     "drill-nixos?)") != std::string::npos,
               cases[0].message);
    BOOST_TEST((cases[1].outcome == model::Outcome::Skipped));
    BOOST_TEST(g.transport.files.empty());
}

BOOST_AUTO_TEST_CASE(debian_guest_gets_the_rendered_files_and_probe_units) {
    auto s = nixosScenario();
    auto p = plan();
    ProvisionGuest g;
    auto cases = engine::runDrill(s, p, g, {});
    BOOST_REQUIRE(!cases.empty());
    BOOST_TEST((cases[0].outcome == model::Outcome::Passed), cases[0].message);
    BOOST_TEST(g.transport.files.contains("/usr/local/bin/run-service-app.sh"));
    BOOST_TEST(g.transport.files.contains("/etc/systemd/system/restic-backups-service-app.service"));
    BOOST_TEST(g.transport.files.contains("/etc/systemd/system/app.service"));
    BOOST_TEST(g.transport.files.contains("/etc/systemd/system/app-cron.timer"));
    BOOST_TEST(
        g.transport.files.contains("/etc/systemd/system/restic-backups-service-app.service.d/nixdrill-capture.conf"));
    BOOST_TEST(!g.ran("systemctl cat 'app.service' >/dev/null 2>&1"));
}

BOOST_AUTO_TEST_SUITE_END()
