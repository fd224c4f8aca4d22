///@file The fault catalogue: every kind once, in the order docs/drill-format.md lists them.
#include "faults/kind.hpp"
#include "faults/kinds/kinds.hpp"
#include "util/error.hpp"

namespace nixdrill::faults {

namespace {

std::vector<kinds::KindPtr> makeCatalogue() {
    std::vector<kinds::KindPtr> all;
    all.push_back(kinds::wrongPassword());
    all.push_back(kinds::repositoryMissing());
    all.push_back(kinds::preBackupHookFails());
    all.push_back(kinds::bitFlip());
    all.push_back(kinds::deleteIndex());
    all.push_back(kinds::killMidBackup());
    all.push_back(kinds::powerLoss());
    all.push_back(kinds::repositoryDiskFull());
    all.push_back(kinds::unitRefusesToStop());
    all.push_back(kinds::clockJump());
    all.push_back(kinds::ioErrors());
    all.push_back(kinds::zfsStaleSnapshot());
    all.push_back(kinds::zfsPoolFull());
    return all;
}

} // namespace

const std::vector<const FaultKind*>& faultKinds() {
    static const auto owned = makeCatalogue();
    static const auto list = [] {
        std::vector<const FaultKind*> out;
        for (const auto& k : owned) {
            out.push_back(k.get());
        }
        return out;
    }();
    return list;
}

const FaultKind* faultKindNamed(std::string_view name) {
    for (const auto* k : faultKinds()) {
        if (k->name() == name) {
            return k;
        }
    }
    return nullptr;
}

const FaultKind& kindOf(const model::Fault& fault) {
    if (const auto* k = faultKindNamed(fault.kind)) {
        return *k;
    }
    throw util::InputError("unknown fault kind \"" + fault.kind + "\" (known: " + knownFaultKinds() + ")");
}

std::string knownFaultKinds() {
    std::string out;
    for (const auto* k : faultKinds()) {
        out += (out.empty() ? "" : ", ") + std::string(k->name());
    }
    return out;
}

} // namespace nixdrill::faults
