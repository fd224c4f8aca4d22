///@file delete-index: injected between steps, one index file of the repository removed.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"
#include "guest/errors.hpp"

namespace nixdrill::faults::kinds {

namespace {

class DeleteIndex final : public FaultKind {
public:
    std::string_view name() const override { return "delete-index"; }
    bool duringBackup() const override { return false; }
    bool perJob() const override { return false; }
    model::FaultExpect defaultExpectation() const override {
        model::FaultExpect e;
        e.checkDetects = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t seed,
                    const std::string&, std::chrono::milliseconds timeout) const override {
        auto list = must(guest, "find " + shellQuote(target.repository) + "/index -type f | sort", timeout).out;
        std::vector<std::string> files;
        std::size_t start = 0;
        while (start < list.size()) {
            auto end = list.find('\n', start);
            auto line = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
            if (!line.empty()) {
                files.push_back(line);
            }
            start = end == std::string::npos ? list.size() : end + 1;
        }
        if (files.empty()) {
            throw guest::CommandFailed("fault delete-index: no index file under " + target.repository + "/index");
        }
        const auto& victim = files[seed % files.size()];
        must(guest, "rm -f -- " + shellQuote(victim), timeout);
        return {"deleted index file " + victim + " (" + std::to_string(files.size()) + " there)", ""};
    }
};

} // namespace

KindPtr deleteIndex() {
    return std::make_unique<DeleteIndex>();
}

} // namespace nixdrill::faults::kinds
