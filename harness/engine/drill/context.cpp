///@file What every step family of a drill shares.
#include "engine/drill/context.hpp"

#include "engine/drill/text.hpp"
#include "guest/guest.hpp"

#include <cstdlib>
#include <random>

namespace nixdrill::engine::drill {

using guest::shellQuote;

void failIfAny(const std::vector<std::string>& failures, const std::string& heading) {
    if (!failures.empty()) {
        throw StepFailed(joinLines(failures, heading));
    }
}

unsigned Ledger::numberOf(const model::DrillStep& step) const {
    return step.snapshot == "latest" ? backups : static_cast<unsigned>(std::stoul(step.snapshot));
}

DrillContext::DrillContext(const model::Scenario& scenario, const DrillPlan& plan, guest::Guest& client,
                           const DrillOptions& options)
    : scenario(scenario), drill(*scenario.drill), plan(plan), options(options),
      clock(std::chrono::seconds(scenario.drill->stepTimeoutSeconds), options.deadline) {
    machines_.emplace_back("client", client, clock, redactor);
}

std::string DrillContext::newSecret() {
    auto secret = randomSecret();
    redactor.add(secret);
    return secret;
}

void DrillContext::writeSecrets() {
    auto& m = client();
    for (const auto& [path, content] : secrets) {
        m.must("mkdir -p " + shellQuote(dirOf(path)));
        m.writeFile(path, content);
        m.must("chmod 0600 " + shellQuote(path));
    }
}

void DrillContext::forEachFamily(const std::function<void(StepFamily&)>& call) {
    if (families_ != nullptr) {
        for (const auto& family : *families_) {
            call(*family);
        }
    }
}

std::string randomSecret() {
    std::random_device rd;
    // Test seam (tests/vm/secrets.sh): a recognisable prefix on every generated secret, so a test
    // can search reports, logs and console captures for it. Still random after the prefix.
    const char* planted = std::getenv("NIXDRILL_TEST_PLANTED_SECRET");
    std::string out = planted != nullptr ? planted : "";
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 40; ++i) {
        out += hex[rd() % 16];
    }
    return out;
}

} // namespace nixdrill::engine::drill
