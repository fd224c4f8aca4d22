///@file io-errors: during a backup reads of one backed-up file fail with EIO (device-mapper).
#include "faults/kinds/common.hpp"
#include "faults/kinds/kinds.hpp"
#include "guest/errors.hpp"

namespace nixdrill::faults::kinds {

namespace {

/// A copy of the data on an ext4 image behind device-mapper, with the victim's 4 KiB blocks
/// (8 sectors each) merged into runs of the `error` target and `linear` around them.
std::string mapperScript(const std::string& data, const std::string& rel) {
    return "set -eu\n"
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
}

class IoErrors final : public FaultKind {
public:
    std::string_view name() const override { return "io-errors"; }
    bool hidesData() const override { return true; }
    model::FaultExpect defaultExpectation() const override {
        model::FaultExpect e;
        e.category = "incomplete";
        e.status = 0;
        e.lastSuccess = "kept";
        e.unitsRunning = true;
        e.snapshot = true;
        return e;
    }
    Injected inject(guest::Guest& guest, const model::Fault&, const Target& target, std::uint64_t, const std::string&,
                    std::chrono::milliseconds timeout) const override {
        // The copy is mounted read-only over the data path: reading the victim fails with EIO,
        // everything else (metadata, other files) reads fine.
        if (target.victimFile.rfind(target.dataPath + "/", 0) != 0) {
            throw guest::CommandFailed("fault io-errors: victim '" + target.victimFile + "' is not under " +
                                       target.dataPath);
        }
        auto rel = target.victimFile.substr(target.dataPath.size());
        const auto data = shellQuote(target.dataPath);
        auto r = must(guest, mapperScript(data, rel), timeout);
        return {"reads of " + target.victimFile + " fail with EIO (" + trimmed(r.out) +
                    " device-mapper error segment(s) over its blocks; the data path is a read-only copy)",
                "umount " + data +
                    " && dmsetup remove nixdrill-io && losetup -d \"$(cat /var/lib/nixdrill-fault/io/loop)\" && "
                    "rm -rf /var/lib/nixdrill-fault/io"};
    }
};

} // namespace

KindPtr ioErrors() {
    return std::make_unique<IoErrors>();
}

} // namespace nixdrill::faults::kinds
