///@file repository-missing: during a backup an empty read-only file system hides the repository.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

namespace nixdrill::faults::kinds {

namespace {

class RepositoryMissing final : public FaultKind {
public:
    std::string_view name() const override { return "repository-missing"; }
    bool perJob() const override { return false; }
    model::FaultExpect defaultExpectation() const override {
        auto e = failedRun("fatal"); // restic 0.14 exits 1 (0.17: 10)
        e.repositoryUnchanged = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        // An empty read-only file system over the repository: the disk that held it is not
        // mounted, and the job cannot create a new repository in its place either.
        const auto repo = shellQuote(target.repository);
        must(guest, "mkdir -p " + repo + " && mount -t tmpfs -o ro,size=1m nixdrill-fault " + repo, timeout);
        return {"repository " + target.repository + " hidden under an empty read-only file system", "umount " + repo};
    }
};

} // namespace

KindPtr repositoryMissing() {
    return std::make_unique<RepositoryMissing>();
}

} // namespace nixdrill::faults::kinds
