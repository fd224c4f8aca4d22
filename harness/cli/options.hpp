///@file Command-line parsing of the nixdrill CLI (no I/O, so it is unit-testable); CLI11 inside.
#pragma once

#include "engine/repository_drill.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nixdrill::cli {

struct ReportTargets {
    std::optional<std::filesystem::path> junit;
    std::optional<std::filesystem::path> prometheus;
    std::optional<std::filesystem::path> json;
};

struct Options {
    std::string command; ///< eval, run, drill, report, version, help
    /// help: the command whose options to print (`COMMAND --help`, `help COMMAND`); "" = all.
    std::string helpTopic;
    std::vector<std::filesystem::path> paths;
    ReportTargets reports;
    /// report: the stored run results to render, merged into one when there are several.
    std::vector<std::filesystem::path> from;
    std::optional<std::filesystem::path> nixDir;
    /// eval: a nixpkgs (or nixpkgs.lib) checkout; the scenarios are then also evaluated through
    /// the NixOS module system and compared with nix/lib's outputs.
    std::optional<std::filesystem::path> nixpkgs;
    bool accept = false;
    bool quiet = false;
    std::chrono::seconds evalTimeout{300};
    /// run: the whole run's deadline (--deadline SECONDS; 0 = none). The default bounds a run
    /// that nobody watches; steps past it are Broken/Skipped and the reports still written.
    std::chrono::seconds runDeadline{6 * 3600};
    std::string uri; ///< libvirt connection URI for drills ("" = default)
    /// run: --guest debian|nixos (overrides the scenarios' drill.guest) and --guest-image PATH.
    std::optional<std::string> guest;
    std::optional<std::filesystem::path> guestImage;
    /// run: start drill guests from saved states (docs/vm.md, "Warm starts"); false with --cold.
    bool warm = true;
    /// run: --faults all|KIND,... runs every drill scenario once per applicable fault kind.
    std::optional<std::string> faults;
    /// run: --mutants runs every drill scenario and the mutants of its contracts.
    bool mutants = false;
    /// run: drills at once (0 = from the machine: its cores) and the memory they may use
    /// together in MiB (0 = from the machine: 80% of its available memory).
    /// eval, run: --only LIST, the scenarios (or variants) to keep, by name or shell pattern.
    /// eval, run: --shard K/N (this runner's part of a partition) and the stored run whose
    /// durations balance it (--shard-durations RUN).
    std::optional<std::string> shard;
    std::optional<std::filesystem::path> shardDurations;
    std::optional<std::string> only;
    /// run: --rerun-failed RUN, a stored run whose failed or broken scenarios run again.
    std::optional<std::filesystem::path> rerunFailed;
    unsigned jobs = 0;
    unsigned memoryBudgetMiB = 0;

    // drill: a read-only restore drill against a production repository
    std::string drillName = "default";
    std::string repository;
    std::optional<std::filesystem::path> passwordFile;
    std::optional<std::filesystem::path> environmentFile;
    engine::SampleSize sample; ///< --sample N or --sample P%
    std::optional<std::uint64_t> seed;
    bool full = false;
    std::string readDataSubset;
    std::optional<std::filesystem::path> scratch;
    std::optional<std::filesystem::path> metricsDir;
};

/// Where a NIX_PATH value may put <nixpkgs>, in Nix's search order: "nixpkgs=/path" entries as
/// they are, bare directories as DIR/nixpkgs. No file system access (the caller takes the first
/// that exists); URLs are left out (nothing is downloaded).
std::vector<std::filesystem::path> nixpkgsCandidates(const std::string& nixPath);

/// @throws util::InputError with a usage message naming the bad argument.
Options parseOptions(const std::vector<std::string>& args, bool acceptFromEnvironment);

/// The commands and every option.
std::string usage();

/// One command's usage line, summary and options; usage() for "" or a name that is no command.
std::string usage(std::string_view command);

} // namespace nixdrill::cli
