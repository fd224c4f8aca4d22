///@file Fault injection through the Guest interface.
#include "faults/fault.hpp"

#include "guest/errors.hpp"

namespace nixdrill::faults {

using guest::shellQuote;

namespace {

guest::ExecResult must(guest::Guest& guest, const std::string& command, std::chrono::milliseconds timeout) {
    auto r = guest.exec(command, timeout);
    if (!r.succeeded()) {
        throw guest::CommandFailed("fault injection: " + r.describe());
    }
    return r;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

} // namespace

Injected inject(guest::Guest& guest, model::FaultKind kind, const Target& target, std::uint64_t seed,
                const std::string& otherSecret, std::chrono::milliseconds timeout) {
    const auto repo = shellQuote(target.repository);
    switch (kind) {
    case model::FaultKind::WrongPassword: {
        // The real secret is kept beside the file and put back after the run.
        auto pw = shellQuote(target.passwordFile);
        auto saved = shellQuote(target.passwordFile + ".nixdrill-saved");
        must(guest, "cp -p " + pw + " " + saved, timeout);
        guest.writeFile(target.passwordFile, otherSecret + "\n");
        return {"password file " + target.passwordFile + " now holds another secret", "mv -f " + saved + " " + pw};
    }
    case model::FaultKind::RepositoryMissing:
        // An empty read-only file system over the repository: the disk that held it is not
        // mounted, and the job cannot create a new repository in its place either.
        must(guest, "mkdir -p " + repo + " && mount -t tmpfs -o ro,size=1m nixdrill-fault " + repo, timeout);
        return {"repository " + target.repository + " hidden under an empty read-only file system", "umount " + repo};
    case model::FaultKind::PreBackupHookFails:
        // The scenario's preBackup hook fails while this marker exists (a dump that cannot be made).
        must(guest, "mkdir -p /run/nixdrill-fault && touch " + std::string(preBackupMarker), timeout);
        return {"created " + std::string(preBackupMarker) + ": the preBackup hook fails",
                "rm -f " + std::string(preBackupMarker)};
    case model::FaultKind::BitFlip: {
        // The largest pack holds file data (tree packs are small); the byte is chosen from the seed.
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
    case model::FaultKind::DeleteIndex: {
        auto list = must(guest, "find " + repo + "/index -type f | sort", timeout).out;
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
    }
    throw guest::CommandFailed("unknown fault kind");
}

void revert(guest::Guest& guest, const Injected& injected, std::chrono::milliseconds timeout) {
    if (!injected.revertCommand.empty()) {
        must(guest, injected.revertCommand, timeout);
    }
}

std::string repositoryFingerprint(guest::Guest& guest, const std::string& repository,
                                  std::chrono::milliseconds timeout) {
    auto r = guest.exec("cd " + shellQuote(repository) + " && find . -type f -printf '%P %s %T@\\n' | sort | md5sum",
                        timeout);
    return r.succeeded() ? trimmed(r.out) : "(unreadable: exit " + std::to_string(r.exitCode) + ")";
}

} // namespace nixdrill::faults
