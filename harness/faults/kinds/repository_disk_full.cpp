///@file repository-disk-full: during a backup the repository's small file system is filled up.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"

#include <algorithm>

namespace nixdrill::faults::kinds {

namespace {

/// The repository disk of a `--faults` variant: the seeded data, its growth and restic's
/// overhead must fit, so that only the fault fills it.
unsigned repositoryDiskFor(const model::Drill& drill, std::size_t services) {
    unsigned long long bytes = 0;
    for (const auto& [name, d] : drill.data) {
        bytes += static_cast<unsigned long long>(d.files) * d.maxFileSize;
    }
    bytes += (services > drill.data.size() ? services - drill.data.size() : 0) * 20ULL * 16 * 1024;
    return static_cast<unsigned>(std::max<unsigned long long>(24, 16 + 2 * bytes / (1024 * 1024)));
}

class RepositoryDiskFull final : public FaultKind {
public:
    std::string_view name() const override { return "repository-disk-full"; }
    void parse(const scenario::JsonReader& r, const nlohmann::ordered_json&, const std::string& p,
               const model::Drill& drill, model::Fault&) const override {
        if (drill.repositoryDiskMiB == 0) {
            r.fail(p + "/kind", "repository-disk-full needs a small repository disk: set /drill/repositoryDiskMiB");
        }
    }
    model::FaultExpect defaultExpectation() const override { return failedRun("storage"); }
    void planVariant(model::Drill& drill, const model::Fault& fault, std::size_t services) const override {
        FaultKind::planVariant(drill, fault, services);
        drill.repositoryDiskMiB = std::max(drill.repositoryDiskMiB, repositoryDiskFor(drill, services));
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        // The data grows by 2 MiB of random (incompressible) bytes, and the repository's own
        // small file system is filled up to 64 KiB: enough for restic's lock, not for the packs.
        const auto repo = shellQuote(target.repository);
        const auto filler = shellQuote(target.repository + "/.nixdrill-fault-filler");
        auto r = must(guest,
                      "set -e; mountpoint -q " + repo + " || { echo 'repository " + target.repository +
                          " is not on its own file system (drill.repositoryDiskMiB)' >&2; exit 1; }\n"
                          "head -c 2097152 /dev/urandom > " +
                          shellQuote(target.dataPath + "/nixdrill-fault-growth.bin") +
                          "\navail=$(df --output=avail -B1 " + repo +
                          " | tail -n1 | tr -d ' ')\n"
                          "if [ \"$avail\" -gt 65536 ]; then fallocate -l $((avail - 65536)) " +
                          filler + "; fi\nsync\ndf --output=avail -B1 " + repo + " | tail -n1 | tr -d ' '",
                      timeout);
        return {"repository file system " + target.repository + " filled up (" + trimmed(r.out) +
                    " bytes left); 2 MiB of new data under " + target.dataPath,
                "rm -f " + filler};
    }
};

} // namespace

KindPtr repositoryDiskFull() {
    return std::make_unique<RepositoryDiskFull>();
}

} // namespace nixdrill::faults::kinds
