///@file Fault injection through the Guest interface: each kind injects itself (kinds/), these are
/// what the drill engine shares around them.
#include "faults/fault.hpp"

#include "faults/kind.hpp"
#include "faults/kinds/common.hpp"

namespace nixdrill::faults {

using guest::shellQuote;
using kinds::trimmed;

Injected inject(guest::Guest& guest, const model::Fault& fault, const Target& target, std::uint64_t seed,
                const std::string& otherSecret, std::chrono::milliseconds timeout) {
    return kindOf(fault).inject(guest, fault, target, seed, otherSecret, timeout);
}

void revert(guest::Guest& guest, const Injected& injected, std::chrono::milliseconds timeout) {
    if (!injected.revertCommand.empty()) {
        kinds::must(guest, injected.revertCommand, timeout);
    }
}

std::string repositoryFingerprint(guest::Guest& guest, const std::string& repository,
                                  std::chrono::milliseconds timeout) {
    auto r = guest.exec("cd " + shellQuote(repository) + " && find . -type f -printf '%P %s %T@\\n' | sort | md5sum",
                        timeout);
    return r.succeeded() ? trimmed(r.out) : "(unreadable: exit " + std::to_string(r.exitCode) + ")";
}

std::string resticWritingCommand(const std::string& repository, bool kill, unsigned timeoutSeconds,
                                 const std::string& processPattern) {
    // Polling a running restic races it: under TCG one look (pgrep, two finds) takes longer
    // than restic's window between its first pack and the end of the backup, and a look that
    // misses it is not repeated. So restic is stopped (SIGSTOP) as soon as it is seen, looked
    // at while it cannot change, and let run in short slices until it has written a pack.
    // The deadline counts /proc/uptime seconds: the drill may have moved the guest's clock.
    const auto repo = shellQuote(repository);
    const auto t = std::to_string(timeoutSeconds);
    return "up() { cut -d. -f1 /proc/uptime; }\n"
           "start=$(up); end=$((start + " +
           t +
           ")); pid=\n"
           "while [ \"$(up)\" -lt \"$end\" ]; do\n"
           "  if [ -z \"$pid\" ]; then\n"
           "    pid=$(pgrep -o -f " +
           shellQuote(processPattern) +
           " || true)\n"
           "    [ -n \"$pid\" ] || { sleep 0.05; continue; }\n"
           "    kill -STOP \"$pid\" 2>/dev/null || { pid=; continue; }\n"
           "  fi\n"
           "  if ! kill -0 \"$pid\" 2>/dev/null || grep -q '^State:.*zombie' /proc/\"$pid\"/status 2>/dev/null; then\n"
           "    echo \"restic backup (pid $pid) ended before it had written a pack under its lock in " +
           repository +
           "\"; exit 1\n"
           "  fi\n"
           "  lock=$(find " +
           repo +
           "/locks -type f 2>/dev/null | head -n1)\n"
           "  if [ -n \"$lock\" ]; then\n"
           "    packs=$(find " +
           repo +
           "/data -type f -newer \"$lock\" 2>/dev/null | wc -l)\n"
           "    if [ \"$packs\" -gt 0 ]; then\n" +
           (kill ? "      kill -KILL \"$pid\"\n"
                 : "      # Left stopped: what comes next (a power cut) finds it in the middle of the backup.\n") +
           "      echo \"restic backup (pid $pid) held lock ${lock##*/} and had written $packs pack file(s) after "
           "$(($(up) - start)) s\"; exit 0\n"
           "    fi\n"
           "  fi\n"
           "  kill -CONT \"$pid\" 2>/dev/null; sleep 0.2; kill -STOP \"$pid\" 2>/dev/null\n"
           "done\n"
           "[ -z \"$pid\" ] || kill -CONT \"$pid\" 2>/dev/null\n"
           "echo 'no restic backup held a lock in " +
           repository + " and wrote a pack within " + t + " s'; exit 1";
}

int lockCount(guest::Guest& guest, const std::string& repository, std::chrono::milliseconds timeout) {
    auto r = guest.exec("find " + shellQuote(repository + "/locks") + " -type f | wc -l", timeout);
    try {
        return r.succeeded() ? std::stoi(trimmed(r.out)) : -1;
    } catch (const std::exception&) {
        return -1;
    }
}

} // namespace nixdrill::faults
