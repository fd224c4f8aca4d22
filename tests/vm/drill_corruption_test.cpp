///@file Real drills whose restored data is changed must fail the restore step, naming the file:
/// one flipped byte of seeded data, and a dump written by a preBackup hook that differs from the
/// one restic read; a byte-identical restore the service cannot use must fail check-service.
#include "../unit/support/golden.hpp"
#include "cli/libvirt_provider.hpp"
#include "engine/drill_runner.hpp"
#include "engine/steps/registry.hpp"
#include "nixeval/evaluator.hpp"
#include "scenario/parser.hpp"
#include "vm/connection.hpp"

#include <boost/test/unit_test.hpp>
#include <unistd.h>

using namespace nixdrill;

namespace {

/// Runs the shipped drill `file` (under scenarios/drills) in a real guest with `options`.
std::vector<model::CaseResult> runShippedDrill(const std::string& file, const engine::DrillOptions& options) {
    auto root = test::sourceRoot();
    auto loaded = scenario::loadScenarios({root / "scenarios/drills" / file}, nixdrill::engine::steps::catalogue());
    BOOST_REQUIRE(loaded.errors.empty());
    const auto& s = loaded.scenarios.at(0);
    nixeval::NixEvaluator evaluator({root / "nix", "nix-instantiate", std::chrono::minutes(5)});
    auto outcomes = evaluator.evaluate({{s.name, s.services, s.backup, s.containers}});
    BOOST_REQUIRE(outcomes.at(0).status == nixeval::EvalStatus::Ok);
    auto plan = engine::planFromEvaluation(outcomes[0].value);

    cli::LibvirtGuestProvider provider(vm::Connection::defaultUri(), "corrupt" + std::to_string(::getpid()));
    auto guest = provider.create(s);
    auto cases = engine::runDrill(s, plan, *guest, options);
    guest->destroy();
    return cases;
}

} // namespace

BOOST_AUTO_TEST_SUITE(vm_drill_corruption)

BOOST_AUTO_TEST_CASE(one_flipped_restored_byte_fails_the_restore_step) {
    std::string corrupted;
    engine::DrillOptions options;
    options.afterRestore = [&](guest::Guest& g, const std::string& restored) {
        if (!corrupted.empty() || restored == "/") {
            return; // only the first scratch restore; the in-place restore must still pass
        }
        // Adds one to the first byte of the first non-empty file, in place.
        auto r = g.succeed("f=$(find " + guest::shellQuote(restored) +
                           " -type f -size +0 -print0 | sort -z | head -z -n1 | tr -d '\\0'); "
                           "b=$(od -An -tu1 -N1 \"$f\" | tr -d ' '); "
                           "printf \"\\\\$(printf %03o $(( (b + 1) % 256 )))\" | "
                           "dd of=\"$f\" bs=1 count=1 conv=notrunc 2>/dev/null; printf %s \"$f\"");
        corrupted = r.out.substr(restored.size());
    };
    auto cases = runShippedDrill("drill-single-service.json", options);

    BOOST_REQUIRE(!corrupted.empty());
    bool sawScratch = false;
    for (const auto& c : cases) {
        if (c.name == "restore-to-scratch") {
            sawScratch = true;
            BOOST_TEST((c.outcome == model::Outcome::Failed), c.message);
            BOOST_TEST(c.message.find("1 difference(s) between the restored data and backup 1") != std::string::npos,
                       c.message);
            BOOST_REQUIRE(c.mismatches.size() == 1u);
            BOOST_TEST(c.mismatches[0].pointer == "/jobs/service-notes/files" + corrupted);
            BOOST_TEST(c.mismatches[0].note == "sha256");
        } else {
            BOOST_TEST((c.outcome == model::Outcome::Passed), c.name + ": " + c.message);
        }
    }
    BOOST_TEST(sawScratch);
}

// The oracle compares with the dump restic read, not merely with "a dump is there": a restored
// dump with one entry changed (same size) fails the restore of that backup, and only it.
BOOST_AUTO_TEST_CASE(a_restored_dump_unlike_the_one_restic_read_fails_the_restore_step) {
    const std::string dump = "/var/backup/ledger/ledger.sql";
    bool changed = false;
    engine::DrillOptions options;
    options.afterRestore = [&](guest::Guest& g, const std::string& restored) {
        if (changed || restored == "/") {
            return; // only the first scratch restore (backup 1)
        }
        auto f = guest::shellQuote(restored + dump);
        g.succeed("grep -q '^entry 7: ' " + f + " && sed -i 's/^entry 7: /entry 8: /' " + f);
        changed = true;
    };
    auto cases = runShippedDrill("drill-dump-hook.json", options);

    BOOST_REQUIRE(changed);
    bool sawFirst = false;
    for (const auto& c : cases) {
        if (c.name == "restore-first-backup") {
            sawFirst = true;
            BOOST_TEST((c.outcome == model::Outcome::Failed), c.message);
            BOOST_TEST(c.message.find("1 difference(s) between the restored data and backup 1") != std::string::npos,
                       c.message);
            BOOST_REQUIRE(c.mismatches.size() == 1u);
            BOOST_TEST(c.mismatches[0].pointer == "/jobs/service-ledger/files" + dump);
            BOOST_TEST(c.mismatches[0].note == "sha256");
        } else {
            BOOST_TEST((c.outcome == model::Outcome::Passed), c.name + ": " + c.message);
        }
    }
    BOOST_TEST(sawFirst);
}

// A restore that is byte-identical but leaves the service unable to work fails check-service,
// not the restore: the restored data directory is made read-only (a bind mount: same bytes,
// modes and owners, as when a restore lands where the service cannot write), and the readiness
// check, which passed on the live service before the backup, must say the service is not ready.
BOOST_AUTO_TEST_CASE(a_restored_service_that_cannot_work_fails_check_service_not_the_restore) {
    bool sealed = false;
    engine::DrillOptions options;
    options.afterRestore = [&](guest::Guest& g, const std::string& restored) {
        if (restored != "/") {
            return;
        }
        g.succeed("mount --bind -o ro /var/lib/notes /var/lib/notes && ! touch /var/lib/notes/.probe 2>/dev/null");
        sealed = true;
    };
    auto cases = runShippedDrill("drill-service-ready.json", options);

    BOOST_REQUIRE(sealed);
    bool sawAfter = false;
    for (const auto& c : cases) {
        if (c.name == "ready-after-restore") {
            sawAfter = true;
            BOOST_TEST((c.outcome == model::Outcome::Failed), c.message);
            BOOST_TEST(c.message.find("job service-notes: restored, but its services are not ready within 20 s") !=
                           std::string::npos,
                       c.message);
            BOOST_TEST(c.message.find("not ready notes (exit 1)") != std::string::npos, c.message);
            BOOST_TEST(c.properties.count("rto.service-notes") == 0u);
        } else {
            // The restore itself is byte-identical, and the check passed before the backup.
            BOOST_TEST((c.outcome == model::Outcome::Passed), c.name + ": " + c.message);
        }
    }
    BOOST_TEST(sawAfter);
}

BOOST_AUTO_TEST_SUITE_END()
