///@file Command-line parsing.
#include "cli/options.hpp"

#include "util/error.hpp"

#include <cctype>
#include <charconv>

namespace nixdrill::cli {

std::string usage() {
    return R"(usage: nixdrill COMMAND [OPTIONS] [PATH...]

commands:
  eval PATH...        evaluate scenarios (files or directories of *.json) with nix/lib in one
                      batched Nix evaluation and check their outputs
  run PATH...         evaluate scenarios like eval, then run the VM drill of every scenario
                      that has one (libvirt, QEMU; KVM when it works, TCG otherwise)
  drill --repository URL --password-file FILE
                      read-only restore drill of a production repository: restore a sample of
                      the latest snapshot (restic restore --verify), compare it with the
                      snapshot's metadata, restic check; never writes to the repository
  report --from RUN   render reports again from a stored run result (--json output of a run)
  version             print the version
  help                print this text

options:
  --junit FILE        write JUnit XML
  --prometheus FILE   write a Prometheus textfile (node_exporter textfile collector)
  --json FILE         write the stored run result (what `report` reads)
  --accept            rewrite scenario expectations from the actual outputs (also NIXDRILL_ACCEPT=1)
  --nixpkgs PATH      eval: a nixpkgs or nixpkgs.lib checkout (default: <nixpkgs> of NIX_PATH,
                      if any); each scenario is then also evaluated through the NixOS module
                      system (lib.evalModules over nix/modules) and compared with nix/lib
  --nix-dir DIR       where nixdrill's nix/ directory is (also NIXDRILL_NIX_DIR)
  --eval-timeout SEC  deadline of one Nix evaluation (default 300)
  --deadline SEC      run: deadline of the whole run (default 21600; 0 = none): the step running
                      then is Broken, the rest Skipped, the guest destroyed, reports written
  --uri URI           libvirt connection for drills (default qemu:///system, or LIBVIRT_DEFAULT_URI)
  --guest KIND        run: the guest of every drill, debian or nixos (default: each scenario's
                      drill.guest, which defaults to debian)
  --guest-image PATH  run: the NixOS guest (`nix build .#guest-<scenario>`: a directory with
                      nixdrill-guest.json), or a directory of them named by scenario
  --warm              run: start each drill's guest from a saved state of a booted guest
                      (saved on first use, cached under /var/cache/nixdrill/warm)
  --jobs N            run: drills at once (default: the machine's cores)
  --memory-budget MIB run: memory the guests of parallel drills may use together
                      (default: 80% of the machine's available memory)
  --faults LIST       run: each drill scenario once per applicable fault kind (all, or a
                      comma-separated list: wrong-password,kill-mid-backup,...) with the
                      catalogue's expected outcomes (docs/drill-format.md, "Fault matrix")
  --quiet             print only failures and the summary

drill options:
  --repository URL    the restic repository (local path, sftp:, s3:, b2:, rest:)
  --password-file F   its password file (passwords are never taken on the command line)
  --environment-file F  NAME=value lines for restic (credentials of s3:, b2:, ...)
  --name NAME         the drill's name in reports and metrics (default "default")
  --sample N|P%       files of the latest snapshot to restore and verify: a count (default 20)
                      or a share of its files ("10%": rounded up, at least 1; up to two decimals)
  --seed N            the sample's seed (default: from the latest snapshot's id, so a snapshot
                      is always sampled the same way)
  --full              restore and verify the whole latest snapshot
  --read-data-subset X  restic check --read-data-subset=X (e.g. 5% or 1/10)
  --scratch DIR       restore there instead of a temporary directory
  --metrics-dir DIR   write restic-drill-NAME.prom there (node_exporter textfile collector)

exit status: 0 all passed, 1 something failed or broke, 2 bad usage or reports not written
)";
}

std::vector<std::filesystem::path> nixpkgsCandidates(const std::string& nixPath) {
    std::vector<std::filesystem::path> out;
    std::size_t start = 0;
    while (start <= nixPath.size()) {
        auto end = nixPath.find(':', start);
        std::string entry = nixPath.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? nixPath.size() + 1 : end + 1;
        // "nixpkgs=https://..." splits at the URL's colon: neither half is a local path.
        if (entry.rfind("nixpkgs=", 0) == 0) {
            if (entry.size() > 8 && entry[8] == '/') {
                out.emplace_back(entry.substr(8));
            }
        } else if (!entry.empty() && entry[0] == '/' && entry.rfind("//", 0) != 0 &&
                   entry.find('=') == std::string::npos) {
            // ("//..." is the rest of a URL cut at its colon.)
            out.push_back(std::filesystem::path(entry) / "nixpkgs");
        }
    }
    return out;
}

Options parseOptions(const std::vector<std::string>& args, bool acceptFromEnvironment) {
    Options o;
    o.accept = acceptFromEnvironment;
    if (args.empty()) {
        throw util::InputError("no command given\n\n" + usage());
    }
    o.command = args[0];
    bool sampleGiven = false;
    if (o.command == "--help" || o.command == "-h") {
        o.command = "help";
    }
    if (o.command != "eval" && o.command != "run" && o.command != "drill" && o.command != "report" &&
        o.command != "version" && o.command != "help") {
        throw util::InputError("unknown command '" + o.command + "'\n\n" + usage());
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size() || args[i + 1].empty()) {
                throw util::InputError("option " + a + " needs a value");
            }
            return args[++i];
        };
        if (a == "--junit") {
            o.reports.junit = value();
        } else if (a == "--prometheus") {
            o.reports.prometheus = value();
        } else if (a == "--json") {
            o.reports.json = value();
        } else if (a == "--from") {
            o.from = value();
        } else if (a == "--repository") {
            o.repository = value();
        } else if (a == "--password-file") {
            o.passwordFile = value();
        } else if (a == "--environment-file") {
            o.environmentFile = value();
        } else if (a == "--name") {
            o.drillName = value();
        } else if (a == "--sample") {
            o.sample = engine::parseSampleSize(value());
            sampleGiven = true;
        } else if (a == "--seed") {
            auto v = value();
            std::uint64_t n = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || ptr != v.data() + v.size()) {
                throw util::InputError("--seed takes a non-negative integer below 2^64, got '" + v + "'");
            }
            o.seed = n;
        } else if (a == "--full") {
            o.full = true;
        } else if (a == "--read-data-subset") {
            o.readDataSubset = value();
        } else if (a == "--scratch") {
            o.scratch = value();
        } else if (a == "--metrics-dir") {
            o.metricsDir = value();
        } else if (a == "--uri") {
            o.uri = value();
        } else if (a == "--guest") {
            o.guest = value();
            if (*o.guest != "debian" && *o.guest != "nixos") {
                throw util::InputError("--guest takes debian or nixos, got '" + *o.guest + "'");
            }
        } else if (a == "--guest-image") {
            o.guestImage = value();
        } else if (a == "--warm") {
            o.warm = true;
        } else if (a == "--jobs" || a == "--memory-budget") {
            auto v = value();
            unsigned long long n = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || ptr != v.data() + v.size() || n == 0 || n > 1000000) {
                throw util::InputError(a + " takes a positive number, got '" + v + "'");
            }
            (a == "--jobs" ? o.jobs : o.memoryBudgetMiB) = static_cast<unsigned>(n);
        } else if (a == "--nixpkgs") {
            o.nixpkgs = value();
        } else if (a == "--nix-dir") {
            o.nixDir = value();
        } else if (a == "--accept") {
            o.accept = true;
        } else if (a == "--faults") {
            o.faults = value();
        } else if (a == "--quiet") {
            o.quiet = true;
        } else if (a == "--eval-timeout") {
            auto v = value();
            long long secs = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
            if (ec != std::errc() || ptr != v.data() + v.size() || secs <= 0) {
                throw util::InputError("--eval-timeout takes a positive number of seconds, got '" + v + "'");
            }
            o.evalTimeout = std::chrono::seconds(secs);
        } else if (a == "--deadline") {
            auto v = value();
            long long secs = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
            if (ec != std::errc() || ptr != v.data() + v.size() || secs < 0 || secs > 30LL * 24 * 3600) {
                throw util::InputError("--deadline takes seconds from 0 (none) to 2592000, got '" + v + "'");
            }
            o.runDeadline = std::chrono::seconds(secs);
        } else if (a == "--help" || a == "-h") {
            o.command = "help";
        } else if (a.size() > 1 && a[0] == '-') {
            throw util::InputError("unknown option '" + a + "'\n\n" + usage());
        } else {
            o.paths.emplace_back(a);
        }
    }
    if ((o.command == "eval" || o.command == "run") && o.paths.empty()) {
        throw util::InputError(o.command + " needs at least one scenario file or directory");
    }
    if (o.command == "drill") {
        if (o.repository.empty() || !o.passwordFile) {
            throw util::InputError("drill needs --repository URL and --password-file FILE");
        }
        bool safeName = !o.drillName.empty() && std::isalnum(static_cast<unsigned char>(o.drillName[0]));
        for (char c : o.drillName) {
            safeName = safeName && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
        }
        if (!safeName) {
            throw util::InputError("--name must be letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        if (o.full && (sampleGiven || o.seed)) {
            throw util::InputError("--full restores every file: it cannot go with --sample or --seed");
        }
    }
    if ((sampleGiven || o.seed || o.full) && o.command != "drill") {
        throw util::InputError("--sample, --seed and --full are options of drill");
    }
    if ((o.guest || o.guestImage) && o.command != "run") {
        throw util::InputError("--guest and --guest-image are options of run (the drills' guests)");
    }
    if (o.guestImage && o.guest && *o.guest == "debian") {
        throw util::InputError("--guest-image is a NixOS guest; it cannot go with --guest debian");
    }
    if ((o.warm || o.jobs != 0 || o.memoryBudgetMiB != 0) && o.command != "run") {
        throw util::InputError("--warm, --jobs and --memory-budget are options of run (the drills)");
    }
    if (o.faults && o.command != "run") {
        throw util::InputError("--faults is an option of run (the drills)");
    }
    if (o.faults && o.accept) {
        throw util::InputError("--faults cannot go with --accept: the fault variants are not the scenario files");
    }
    if (o.nixpkgs && o.command != "eval") {
        throw util::InputError("--nixpkgs is an option of eval (the module-system comparison)");
    }
    if (o.command == "report" && !o.from) {
        throw util::InputError("report needs --from RUN.json");
    }
    return o;
}

} // namespace nixdrill::cli
