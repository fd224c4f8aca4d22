///@file bit-flip: injected between steps, one bit of the largest pack file flipped.
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"
#include "guest/errors.hpp"

namespace nixdrill::faults::kinds {

namespace {

class BitFlip final : public FaultKind {
public:
    std::string_view name() const override { return "bit-flip"; }
    bool duringBackup() const override { return false; }
    bool perJob() const override { return false; }
    model::FaultExpect defaultExpectation() const override {
        model::FaultExpect e;
        e.checkDetects = true;
        e.restoreFails = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t seed,
                    const std::string&, std::chrono::milliseconds timeout) const override {
        // The largest pack holds file data (tree packs are small); the byte is chosen from the seed.
        const auto repo = shellQuote(target.repository);
        auto pack = trimmed(
            must(guest,
                 "find " + repo + "/data -type f -printf '%s %p\\n' | sort -k1,1nr -k2,2 | head -n1 | cut -d' ' -f2-",
                 timeout)
                .out);
        if (pack.empty()) {
            throw guest::CommandFailed("fault bit-flip: no pack file under " + target.repository + "/data");
        }
        auto size = std::stoull(trimmed(must(guest, "stat -c %s " + shellQuote(pack), timeout).out));
        // Within the first half: blob data, not the pack header at the end.
        auto offset = size < 4 ? 0 : (seed * 7919 + 17) % (size / 2);
        auto off = std::to_string(offset);
        must(guest,
             "f=" + shellQuote(pack) + "; b=$(od -An -tu1 -j" + off +
                 " -N1 \"$f\" | tr -d ' '); printf \"\\\\$(printf %03o $((b ^ 1)))\" | dd of=\"$f\" bs=1 seek=" + off +
                 " conv=notrunc status=none",
             timeout);
        return {"flipped the lowest bit of byte " + off + " of pack " + pack, ""};
    }
};

} // namespace

KindPtr bitFlip() {
    return std::make_unique<BitFlip>();
}

} // namespace nixdrill::faults::kinds
