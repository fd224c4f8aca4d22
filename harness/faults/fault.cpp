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

Injected inject(guest::Guest& guest, const model::Fault& fault, const Target& target, std::uint64_t seed,
                const std::string& otherSecret, std::chrono::milliseconds timeout) {
    const auto repo = shellQuote(target.repository);
    switch (fault.kind) {
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
    case model::FaultKind::KillMidBackup:
    case model::FaultKind::PowerLoss: {
        // The fault hits restic while it writes packs (resticWritingCommand): 8 MiB of new,
        // incompressible data make the backup write two of them (restic packs are >= 4 MiB),
        // where unchanged data would be deduplicated and nothing written until the snapshot.
        auto file = target.dataPath + "/nixdrill-fault-growth.bin";
        must(guest, "head -c 8388608 /dev/urandom > " + shellQuote(file), timeout);
        return {"8 MiB of new data in " + file + "; the fault acts on the running job", ""};
    }
    case model::FaultKind::DiskFull: {
        // The data grows by 2 MiB of random (incompressible) bytes, and the repository's own
        // small file system is filled up to 64 KiB: enough for restic's lock, not for the packs.
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
    case model::FaultKind::UnitRefusesToStop:
        must(guest, "mkdir -p /run/nixdrill-fault && touch " + std::string(unitStopMarker), timeout);
        return {"created " + std::string(unitStopMarker) + ": the service units' ExecStop hangs (TimeoutStopSec=" +
                    std::to_string(probeStopTimeoutSeconds) + "s)",
                "rm -f " + std::string(unitStopMarker)};
    case model::FaultKind::ClockJump: {
        auto r =
            must(guest, "date -u -s @$(( $(date +%s) + " + std::to_string(fault.days) + " * 86400 )) +%FT%TZ", timeout);
        return {"guest clock jumped " + std::to_string(fault.days) + " days forward: now " + trimmed(r.out), ""};
    }
    case model::FaultKind::ZfsStaleSnapshot: {
        if (target.zfsDataset.empty()) {
            throw guest::CommandFailed("fault zfs-stale-snapshot: job " + target.job + " has no backup.useSnapshots");
        }
        // Named like the job's own, from a run that crashed before its cleanup (years ago).
        auto name = target.zfsDataset + "@nixdrill-" + target.job + "-20000101T000000Z";
        must(guest, "zfs snapshot " + shellQuote(name), timeout);
        return {"left a stale snapshot " + name + " (as a crashed run would)", ""};
    }
    case model::FaultKind::ZfsPoolFull: {
        if (target.zfsDataset.empty()) {
            throw guest::CommandFailed("fault zfs-pool-full: job " + target.job + " has no backup.useSnapshots");
        }
        // A dataset of its own takes every free byte (uncompressed zeros until ENOSPC), so the
        // job's data stays as it was and the fault is undone by destroying the filler.
        auto pool = target.zfsDataset.substr(0, target.zfsDataset.find('/'));
        auto fill = shellQuote(pool + "/nixdrill-fault-fill");
        auto r = must(guest,
                      "set -e; zfs create -o compression=off -o mountpoint=/var/lib/nixdrill-fault/zfs-fill " + fill +
                          "\ndd if=/dev/zero of=/var/lib/nixdrill-fault/zfs-fill/filler bs=1M status=none 2>/dev/null"
                          " || true\nsync\nzfs list -Hp -o avail " +
                          shellQuote(pool),
                      timeout);
        return {"pool " + pool + " filled up (" + trimmed(r.out) + " bytes available)", "zfs destroy -r " + fill};
    }
    case model::FaultKind::IoErrors: {
        // A copy of the data on an ext4 image behind device-mapper, mounted read-only over the
        // data path, with the victim file's blocks mapped to the `error` target: reading it fails
        // with EIO, everything else (metadata, other files) reads fine.
        if (target.victimFile.rfind(target.dataPath + "/", 0) != 0) {
            throw guest::CommandFailed("fault io-errors: victim '" + target.victimFile + "' is not under " +
                                       target.dataPath);
        }
        auto rel = target.victimFile.substr(target.dataPath.size());
        const auto data = shellQuote(target.dataPath);
        std::string script =
            "set -eu\n"
            "d=/var/lib/nixdrill-fault/io; mkdir -p $d/mnt\n"
            "modprobe dm_mod 2>/dev/null || true; modprobe loop 2>/dev/null || true\n"
            "kb=$(du -sk " +
            data +
            " | cut -f1)\n"
            "truncate -s $((kb / 1024 + 32))M $d/disk.img\n"
            "mkfs.ext4 -q -F -b 4096 -m 0 $d/disk.img\n"
            "loop=$(losetup -f --show $d/disk.img); echo \"$loop\" > $d/loop\n"
            "mount \"$loop\" $d/mnt; cp -a " +
            data +
            "/. $d/mnt/; umount $d/mnt\n"
            "blocks=$(debugfs -R " +
            shellQuote("blocks \"" + rel + "\"") +
            " \"$loop\" 2>/dev/null | tr -s ' ' '\\n' | grep -E '^[0-9]+$' | sort -n)\n"
            "[ -n \"$blocks\" ] || { echo 'no data blocks found for the victim file' >&2; exit 1; }\n"
            "total=$(blockdev --getsz \"$loop\")\n"
            // The victim's 4 KiB blocks (8 sectors each) merged into runs of `error`, linear around them.
            "echo \"$blocks\" | awk -v total=\"$total\" -v dev=\"$loop\" '\n"
            "  { s = $1 * 8; if (n > 0 && s == e[n]) { e[n] = s + 8 } else { n++; b[n] = s; e[n] = s + 8 } }\n"
            "  END { pos = 0\n"
            "        for (i = 1; i <= n; i++) { if (b[i] > pos) print pos, b[i] - pos, \"linear\", dev, pos\n"
            "                                   print b[i], e[i] - b[i], \"error\"; pos = e[i] }\n"
            "        if (pos < total) print pos, total - pos, \"linear\", dev, pos }' > $d/table\n"
            "dmsetup create --noudevsync nixdrill-io < $d/table\n"
            "dmsetup mknodes nixdrill-io\n"
            "mount -o ro /dev/mapper/nixdrill-io " +
            data +
            "\n"
            "echo 3 > /proc/sys/vm/drop_caches\n"
            "grep -c error $d/table";
        auto r = must(guest, script, timeout);
        return {"reads of " + target.victimFile + " fail with EIO (" + trimmed(r.out) +
                    " device-mapper error segment(s) over its blocks; the data path is a read-only copy)",
                "umount " + data +
                    " && dmsetup remove nixdrill-io && losetup -d \"$(cat /var/lib/nixdrill-fault/io/loop)\" && "
                    "rm -rf /var/lib/nixdrill-fault/io"};
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
