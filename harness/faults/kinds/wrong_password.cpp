///@file wrong-password: during a backup the password file holds another secret.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class WrongPassword final : public FaultKind {
public:
    std::string_view name() const override { return "wrong-password"; }
    bool perJob() const override { return false; }
    model::FaultExpect defaultExpectation() const override {
        auto e = failedRun("fatal"); // restic 0.14 exits 1 (0.17: 12)
        e.repositoryUnchanged = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t,
                    const std::string& otherSecret, std::chrono::milliseconds timeout) const override {
        // The real secret is kept beside the file and put back after the run.
        auto pw = shellQuote(target.passwordFile);
        auto saved = shellQuote(target.passwordFile + ".nixdrill-saved");
        must(guest, "cp -p " + pw + " " + saved, timeout);
        guest.writeFile(target.passwordFile, otherSecret + "\n");
        return {"password file " + target.passwordFile + " now holds another secret", "mv -f " + saved + " " + pw};
    }
};

} // namespace

KindPtr wrongPassword() {
    return std::make_unique<WrongPassword>();
}

} // namespace nixdrill::faults::kinds
