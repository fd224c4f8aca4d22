///@file Command-line parsing with CLI11: one CLI::App per command, built from one table of options.
#include "cli/options.hpp"

#include "engine/shard.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <memory>
#include <string_view>

namespace nixdrill::cli {

namespace {

/// Where the text of a help entry starts, in usage() and in every command's help.
constexpr std::size_t helpColumn = 22;

constexpr std::string_view exitStatusText =
    "exit status: 0 all passed, 1 something failed or broke, 2 bad usage or reports not written";

/// One bit per command, for the commands whose help lists an option.
enum CommandBit : unsigned {
    noCommandBit = 0,
    evalBit = 1U << 0,
    runBit = 1U << 1,
    drillBit = 1U << 2,
    reportBit = 1U << 3,
};
constexpr unsigned reportingCommands = evalBit | runBit | drillBit | reportBit;

struct CommandSpec {
    std::string_view name;
    unsigned bit;
    std::string_view operands; ///< what follows the name in its usage line
    std::string_view summary;  ///< '\n' continues it on the next line
    /// Its help's name and text for the arguments that are no options ("" = none listed).
    std::string_view argument;
    std::string_view argumentHelp;
};

constexpr CommandSpec commandSpecs[] = {
    {"eval", evalBit, "PATH...",
     "evaluate scenarios (files or directories of *.json) with nix/lib in one\n"
     "batched Nix evaluation and check their outputs",
     "PATH", "a scenario file, or a directory of them (*.json)"},
    {"run", runBit, "PATH...",
     "evaluate scenarios like eval, then run the VM drill of every scenario\n"
     "that has one (libvirt, QEMU; KVM when it works, TCG otherwise)",
     "PATH", "a scenario file, or a directory of them (*.json)"},
    {"drill", drillBit, "--repository URL --password-file FILE",
     "read-only restore drill of a production repository: restore a sample of\n"
     "the latest snapshot (restic restore --verify), compare it with the\n"
     "snapshot's metadata, restic check; never writes to the repository",
     "", ""},
    {"report", reportBit, "--from RUN...",
     "render reports again from a stored run result (--json output of a run);\n"
     "several --from: one report of them all (the shards of a --shard run)",
     "", ""},
    {"version", noCommandBit, "", "print the version", "", ""},
    {"help", noCommandBit, "[COMMAND]", "print this text, or the options of COMMAND (also: nixdrill COMMAND --help)",
     "COMMAND", "the command whose options to print"},
};

/// Where usage() lists an option.
enum class Section { general, drill, none };

struct OptionSpec {
    std::string_view flag;
    std::string_view valueName; ///< "" for a flag without a value
    unsigned shownIn;           ///< the commands whose help lists it
    Section section;
    /// '\n' continues it on the next line. A leading "run: " or "eval: " says in usage() which
    /// command uses the option; that command's own help leaves it out.
    std::string_view help;
};

constexpr OptionSpec optionSpecs[] = {
    {"--junit", "FILE", reportingCommands, Section::general, "write JUnit XML"},
    {"--prometheus", "FILE", reportingCommands, Section::general,
     "write a Prometheus textfile (node_exporter textfile collector)"},
    {"--json", "FILE", reportingCommands, Section::general, "write the stored run result (what `report` reads)"},
    {"--accept", "", evalBit | runBit, Section::general,
     "rewrite scenario expectations from the actual outputs (also NIXDRILL_ACCEPT=1)"},
    {"--nixpkgs", "PATH", evalBit, Section::general,
     "eval: a nixpkgs or nixpkgs.lib checkout (default: <nixpkgs> of NIX_PATH,\n"
     "if any); each scenario is then also evaluated through the NixOS module\n"
     "system (lib.evalModules over nix/modules) and compared with nix/lib"},
    {"--nix-dir", "DIR", evalBit | runBit, Section::general,
     "where nixdrill's nix/ directory is (also NIXDRILL_NIX_DIR)"},
    {"--eval-timeout", "SEC", evalBit | runBit, Section::general, "deadline of one Nix evaluation (default 300)"},
    {"--deadline", "SEC", runBit, Section::general,
     "run: deadline of the whole run (default 21600; 0 = none): the step running\n"
     "then is Broken, the rest Skipped, the guest destroyed, reports written"},
    {"--uri", "URI", runBit, Section::general,
     "libvirt connection for drills (default qemu:///system, or LIBVIRT_DEFAULT_URI)"},
    {"--guest", "KIND", runBit, Section::general,
     "run: the guest of every drill, debian or nixos (default: each scenario's\n"
     "drill.guest, which defaults to debian)"},
    {"--guest-image", "PATH", runBit, Section::general,
     "run: the NixOS guest (`nix build .#guest-<scenario>`: a directory with\n"
     "nixdrill-guest.json), or a directory of them named by scenario"},
    {"--cold", "", runBit, Section::general,
     "run: boot every drill's guest cold (the default is warm: each drill\n"
     "starts from a saved state of a booted guest, saved on first use and\n"
     "cached under /var/cache/nixdrill/warm; drills with data disks boot cold)"},
    {"--warm", "", runBit, Section::general, "run: warm starts (the default; the opposite of --cold)"},
    {"--jobs", "N", runBit, Section::general, "run: drills at once (default: the machine's cores)"},
    {"--memory-budget", "MIB", runBit, Section::general,
     "run: memory the guests of parallel drills may use together\n"
     "(default: 80% of the machine's available memory)"},
    {"--faults", "LIST", runBit, Section::general,
     "run: each drill scenario once per applicable fault kind (all, or a\n"
     "comma-separated list: wrong-password,kill-mid-backup,...) with the\n"
     "catalogue's expected outcomes (docs/drill-format.md, \"Fault matrix\")"},
    {"--mutants", "", runBit, Section::general,
     "run: each drill scenario, then once per mutant of its contracts (a dropped\n"
     "backupPath, preBackup, postRestore or systemdUnit, an exclude swallowing\n"
     "its data); reports the mutants killed and survived (docs/drill-format.md,\n"
     "\"Mutation testing\")"},
    {"--only", "LIST", evalBit | runBit, Section::general,
     "only the scenarios named by LIST: comma-separated names or shell patterns\n"
     "(*, ?, [...]) of scenarios, fault variants (NAME@KIND) or mutants (NAME~ID)"},
    {"--rerun-failed", "RUN", runBit, Section::general,
     "run: only the scenarios with a failed or broken case in RUN (the --json of\n"
     "a run), fault variants and mutants included; without PATH, from the files\n"
     "RUN names"},
    {"--shard", "K/N", evalBit | runBit, Section::general,
     "only shard K of N of the selected scenarios (variants included): a\n"
     "partition every runner computes alike, longest first onto the least\n"
     "loaded shard; merge the shards' --json with `report --from ... --from ...`"},
    {"--shard-durations", "RUN", evalBit | runBit, Section::general,
     "balance --shard by the scenarios' durations in RUN (the --json of a run);\n"
     "without it a drill counts 60 s + 10 s per step, an evaluation 1 s"},
    {"--quiet", "", reportingCommands, Section::general, "print only failures and the summary"},

    {"--repository", "URL", drillBit, Section::drill, "the restic repository (local path, sftp:, s3:, b2:, rest:)"},
    {"--password-file", "F", drillBit, Section::drill,
     "its password file (passwords are never taken on the command line)"},
    {"--environment-file", "F", drillBit, Section::drill, "NAME=value lines for restic (credentials of s3:, b2:, ...)"},
    {"--name", "NAME", drillBit, Section::drill, "the drill's name in reports and metrics (default \"default\")"},
    {"--sample", "N|P%", drillBit, Section::drill,
     "files of the latest snapshot to restore and verify: a count (default 20)\n"
     "or a share of its files (\"10%\": rounded up, at least 1; up to two decimals)"},
    {"--seed", "N", drillBit, Section::drill,
     "the sample's seed (default: from the latest snapshot's id, so a snapshot\n"
     "is always sampled the same way)"},
    {"--full", "", drillBit, Section::drill, "restore and verify the whole latest snapshot"},
    {"--read-data-subset", "X", drillBit, Section::drill, "restic check --read-data-subset=X (e.g. 5% or 1/10)"},
    {"--scratch", "DIR", drillBit, Section::drill, "restore there instead of a temporary directory"},
    {"--metrics-dir", "DIR", drillBit, Section::drill,
     "write restic-drill-NAME.prom there (node_exporter textfile collector)"},

    {"--from", "RUN", reportBit, Section::none,
     "the stored run result to render (the --json output of a run); repeated, the\n"
     "runs are merged into one (the shards of a --shard run)"},
};

const CommandSpec* findCommand(std::string_view name) {
    for (const auto& c : commandSpecs) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

std::string commandLine(const CommandSpec& c) {
    return std::string(c.name) + (c.operands.empty() ? "" : " ") + std::string(c.operands);
}

std::string optionLine(const OptionSpec& s) {
    return std::string(s.flag) + (s.valueName.empty() ? "" : " ") + std::string(s.valueName);
}

/// "  LEFT" then the text at helpColumn, its further lines under it; a LEFT too wide for that
/// puts the text on the next line (the layout CLI11 gives a command's help).
void appendEntry(std::string& out, const std::string& left, std::string_view text) {
    std::string line = "  " + left;
    line += line.size() < helpColumn ? std::string(helpColumn - line.size(), ' ') : "\n" + std::string(helpColumn, ' ');
    for (char c : text) {
        line += c;
        if (c == '\n') {
            line += std::string(helpColumn, ' ');
        }
    }
    out += line + "\n";
}

std::string_view withoutCommandPrefix(std::string_view help) {
    for (std::string_view prefix : {"run: ", "eval: "}) {
        if (help.starts_with(prefix)) {
            return help.substr(prefix.size());
        }
    }
    return help;
}

/// A command's help: its usage line and summary, then its arguments and options (CLI11's layout).
class CommandHelpFormatter : public CLI::Formatter {
public:
    explicit CommandHelpFormatter(const CommandSpec& command) : command_(command) {
        column_width(helpColumn);
        label("Positionals", "arguments");
    }

    std::string make_usage(const CLI::App*, std::string) const override {
        return "usage: nixdrill " + commandLine(command_) + (command_.bit != 0 ? " [OPTIONS]" : "") + "\n\n" +
               std::string(command_.summary) + "\n";
    }

    /// CLI11's order without its description (the summary is in the usage) and its blank lines
    /// after a hidden group.
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
        std::string out = make_usage(app, name) + make_positionals(app) + make_groups(app, mode);
        out.erase(out.find_last_not_of('\n') + 1);
        out += "\n";
        return app->get_footer().empty() ? out : out + "\n" + app->get_footer() + "\n";
    }

private:
    const CommandSpec& command_;
};

/// One command's CLI11 parser. Every command accepts every option, as nixdrill always has: an
/// option of another command is ignored, or refused by checkCombinations naming its command.
/// A command's help lists only the options it uses.
///
/// One App per command rather than CLI11 subcommands: the command is always the first word, and
/// a subcommand would take "++" (and "--" after operands) as syntax for its parent app.
class CommandParser {
public:
    explicit CommandParser(const CommandSpec& command) : command_(command) {
        app_.formatter(std::make_shared<CommandHelpFormatter>(command));
        // A repeated option's last value counts, as before.
        app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        // Unknown options are collected rather than thrown, so that the message names the first.
        app_.allow_extras();
        // Help is a result of parsing (the help command), not CLI11's CallForHelp exception.
        app_.set_help_flag();
        app_.add_flag("-h,--help")->description("print these options")->group("options");
        auto groupFor = [&](bool shown) { return shown ? std::string("options") : std::string(); };
        for (const auto& s : optionSpecs) {
            bool shown = (s.shownIn & command.bit) != 0;
            std::string flag(s.flag);
            CLI::Option* option = s.valueName.empty() ? app_.add_flag(flag) : app_.add_option(flag);
            if (!s.valueName.empty()) {
                option->type_name(std::string(s.valueName));
            }
            option->description(std::string(withoutCommandPrefix(s.help)))->group(groupFor(shown));
            if (flag == "--from") {
                option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); // repeatable: merged
            }
        }
        // Every command takes operands (unused ones are ignored, as before); they are paths, or
        // the command of `help COMMAND`.
        operands_ = app_.add_option(command.argument.empty() ? "PATH" : std::string(command.argument));
        operands_->expected(-1)->description(std::string(command.argumentHelp));
        operands_->group(command.argument.empty() ? "" : "arguments");
        if (command.bit != 0) {
            app_.footer(std::string(exitStatusText));
        }
    }

    /// @throws util::InputError naming the first unknown option, or the option without a value.
    void parse(const std::vector<std::string>& args) {
        std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 takes the last first
        try {
            app_.parse(reversed);
        } catch (const CLI::ArgumentMismatch&) {
            rejectUnknown(); // an unknown option came before
            // An option takes the next argument as its value whatever it is: only the last
            // argument can lack one. (CLI11's own message leaves the names of hidden options out.)
            const std::string& last = args.back();
            throw util::InputError("option " + last.substr(0, last.find('=')) + " needs a value");
        } catch (const CLI::ParseError& e) {
            rejectUnknown();
            throw util::InputError(e.what());
        }
        rejectUnknown();
    }

    std::string help() const { return app_.help(); }

    bool given(std::string_view flag) const { return app_.count(std::string(flag)) > 0; }

    /// The option's value (its last); nullopt when it is not given.
    /// @throws util::InputError for an empty value.
    std::optional<std::string> value(std::string_view flag) const {
        const CLI::Option* option = app_.get_option(std::string(flag));
        if (option->count() == 0) {
            return std::nullopt;
        }
        auto v = option->as<std::string>();
        if (v.empty()) {
            throw util::InputError("option " + std::string(flag) + " needs a value");
        }
        return v;
    }

    /// Every value of a repeatable option, in command-line order.
    /// @throws util::InputError for an empty value.
    std::vector<std::filesystem::path> paths(std::string_view flag) const {
        const CLI::Option* option = app_.get_option(std::string(flag));
        std::vector<std::filesystem::path> out;
        for (const auto& v : option->results()) {
            if (v.empty()) {
                throw util::InputError("option " + std::string(flag) + " needs a value");
            }
            out.emplace_back(v);
        }
        return out;
    }

    std::optional<std::filesystem::path> path(std::string_view flag) const {
        auto v = value(flag);
        return v ? std::optional<std::filesystem::path>(*v) : std::nullopt;
    }

    /// @throws util::InputError for --flag=VALUE (CLI11 syntax): flags take no value.
    bool flag(std::string_view flag) const {
        const CLI::Option* option = app_.get_option(std::string(flag));
        for (const auto& r : option->results()) {
            if (r != "true") {
                throw util::InputError("option " + std::string(flag) + " takes no value, got '" + r + "'");
            }
        }
        return option->count() > 0;
    }

    const std::vector<std::string>& operands() const { return operands_->results(); }

private:
    void rejectUnknown() const {
        auto unknown = app_.remaining();
        // CLI11 takes "-3" for an operand; nixdrill's operands never start with '-'.
        for (const auto& a : operands()) {
            if (a.size() > 1 && a[0] == '-') {
                unknown.push_back(a);
            }
        }
        if (!unknown.empty()) {
            // `help` lists no options of its own: the usage of all commands does.
            throw util::InputError("unknown option '" + unknown.front() + "'\n\n" +
                                   (command_.name == "help" ? usage() : help()));
        }
    }

    const CommandSpec& command_;
    CLI::App app_;
    CLI::Option* operands_ = nullptr;
};

/// The options of more than one command.
void readCommonOptions(const CommandParser& p, Options& o) {
    o.reports = {p.path("--junit"), p.path("--prometheus"), p.path("--json")};
    o.from = p.paths("--from");
    o.nixDir = p.path("--nix-dir");
    o.nixpkgs = p.path("--nixpkgs");
    o.accept = p.flag("--accept") || o.accept;
    o.quiet = p.flag("--quiet");
    if (auto v = p.value("--eval-timeout")) {
        auto secs = util::wholeNumber<long long>(*v);
        if (!secs || *secs <= 0) {
            throw util::InputError("--eval-timeout takes a positive number of seconds, got '" + *v + "'");
        }
        o.evalTimeout = std::chrono::seconds(*secs);
    }
}

void readRunOptions(const CommandParser& p, Options& o) {
    if (auto v = p.value("--deadline")) {
        auto secs = util::wholeNumber<long long>(*v);
        if (!secs || *secs < 0 || *secs > 30LL * 24 * 3600) {
            throw util::InputError("--deadline takes seconds from 0 (none) to 2592000, got '" + *v + "'");
        }
        o.runDeadline = std::chrono::seconds(*secs);
    }
    o.uri = p.value("--uri").value_or("");
    o.guest = p.value("--guest");
    if (o.guest && *o.guest != "debian" && *o.guest != "nixos") {
        throw util::InputError("--guest takes debian or nixos, got '" + *o.guest + "'");
    }
    o.guestImage = p.path("--guest-image");
    bool warmFlag = p.flag("--warm");
    bool coldFlag = p.flag("--cold");
    if (warmFlag && coldFlag) {
        throw util::InputError("--warm and --cold contradict each other: give one");
    }
    if ((warmFlag || coldFlag) && o.command != "run") {
        throw util::InputError("--warm and --cold are options of run (the drills)");
    }
    o.warm = !coldFlag;
    for (auto [flag, target] : {std::pair{"--jobs", &o.jobs}, std::pair{"--memory-budget", &o.memoryBudgetMiB}}) {
        if (auto v = p.value(flag)) {
            auto n = util::wholeNumber<unsigned long long>(*v);
            if (!n || *n == 0 || *n > 1000000) {
                throw util::InputError(std::string(flag) + " takes a positive number, got '" + *v + "'");
            }
            *target = static_cast<unsigned>(*n);
        }
    }
    o.faults = p.value("--faults");
    o.mutants = p.flag("--mutants");
    o.only = p.value("--only");
    o.rerunFailed = p.path("--rerun-failed");
    o.shard = p.value("--shard");
    if (o.shard) {
        engine::parseShard(*o.shard); // bad input before anything runs
    }
    o.shardDurations = p.path("--shard-durations");
}

void readDrillOptions(const CommandParser& p, Options& o) {
    o.repository = p.value("--repository").value_or("");
    o.passwordFile = p.path("--password-file");
    o.environmentFile = p.path("--environment-file");
    o.drillName = p.value("--name").value_or(o.drillName);
    if (auto v = p.value("--sample")) {
        o.sample = engine::parseSampleSize(*v);
    }
    if (auto v = p.value("--seed")) {
        o.seed = util::wholeNumber<std::uint64_t>(*v);
        if (!o.seed) {
            throw util::InputError("--seed takes a non-negative integer below 2^64, got '" + *v + "'");
        }
    }
    o.full = p.flag("--full");
    o.readDataSubset = p.value("--read-data-subset").value_or("");
    o.scratch = p.path("--scratch");
    o.metricsDir = p.path("--metrics-dir");
}

bool safeDrillName(const std::string& name) {
    bool safe = !name.empty() && std::isalnum(static_cast<unsigned char>(name[0]));
    for (char c : name) {
        safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    }
    return safe;
}

/// What each command needs, and the options that belong to one command only.
void checkCombinations(const Options& o, bool sampleGiven) {
    if ((o.command == "eval" || o.command == "run") && o.paths.empty() && !o.rerunFailed) {
        throw util::InputError(o.command + " needs at least one scenario file or directory" +
                               (o.command == "run" ? " (or --rerun-failed RUN)" : ""));
    }
    if (o.only && o.command != "eval" && o.command != "run") {
        throw util::InputError("--only is an option of eval and run (the scenarios they take)");
    }
    if (o.rerunFailed && o.command != "run") {
        throw util::InputError("--rerun-failed is an option of run");
    }
    if ((o.shard || o.shardDurations) && o.command != "eval" && o.command != "run") {
        throw util::InputError("--shard and --shard-durations are options of eval and run (the scenarios they take)");
    }
    if (o.shardDurations && !o.shard) {
        throw util::InputError("--shard-durations balances --shard K/N: give --shard too");
    }
    if (o.command == "drill") {
        if (o.repository.empty() || !o.passwordFile) {
            throw util::InputError("drill needs --repository URL and --password-file FILE");
        }
        if (!safeDrillName(o.drillName)) {
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
    if ((o.jobs != 0 || o.memoryBudgetMiB != 0) && o.command != "run") {
        throw util::InputError("--jobs and --memory-budget are options of run (the drills)");
    }
    if (o.faults && o.command != "run") {
        throw util::InputError("--faults is an option of run (the drills)");
    }
    if (o.mutants && o.command != "run") {
        throw util::InputError("--mutants is an option of run (the drills)");
    }
    if (o.mutants && (o.guest || o.guestImage) && !(o.guest && *o.guest == "debian")) {
        throw util::InputError("--mutants needs the Debian guest: a NixOS image is built from the unmutated contracts");
    }
    if (o.mutants && (o.faults || o.accept)) {
        throw util::InputError("--mutants cannot go with --faults or --accept: it runs the scenarios' mutants");
    }
    if (o.faults && o.accept) {
        throw util::InputError("--faults cannot go with --accept: the fault variants are not the scenario files");
    }
    if (o.nixpkgs && o.command != "eval") {
        throw util::InputError("--nixpkgs is an option of eval (the module-system comparison)");
    }
    if (o.command == "report" && o.from.empty()) {
        throw util::InputError("report needs --from RUN.json (repeated: the runs are merged)");
    }
}

} // namespace

std::string usage() {
    std::string out = "usage: nixdrill COMMAND [OPTIONS] [PATH...]\n\ncommands:\n";
    for (const auto& c : commandSpecs) {
        appendEntry(out, commandLine(c), c.summary);
    }
    for (auto [section, title] :
         {std::pair{Section::general, "\noptions:\n"}, std::pair{Section::drill, "\ndrill options:\n"}}) {
        out += title;
        for (const auto& s : optionSpecs) {
            if (s.section == section) {
                appendEntry(out, optionLine(s), s.help);
            }
        }
    }
    return out + "\n" + std::string(exitStatusText) + "\n";
}

std::string usage(std::string_view command) {
    const CommandSpec* c = findCommand(command);
    return c == nullptr || c->name == "help" ? usage() : CommandParser(*c).help();
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
    if (args.empty()) {
        throw util::InputError("no command given\n\n" + usage());
    }
    const CommandSpec* command = findCommand(args[0] == "--help" || args[0] == "-h" ? "help" : args[0]);
    if (command == nullptr) {
        throw util::InputError("unknown command '" + args[0] + "'\n\n" + usage());
    }
    CommandParser parser(*command);
    parser.parse({args.begin() + 1, args.end()});

    Options o;
    o.command = command->name;
    o.accept = acceptFromEnvironment;
    // Help wins over everything else given with it: `COMMAND --help`, `help COMMAND`.
    if (parser.flag("--help") || o.command == "help") {
        const auto& operands = parser.operands();
        const CommandSpec* topic = o.command != "help" ? command
                                   : operands.empty()  ? nullptr
                                                       : findCommand(operands[0]);
        o.helpTopic = topic != nullptr && topic->name != "help" ? topic->name : "";
        o.command = "help";
        return o;
    }
    o.paths.assign(parser.operands().begin(), parser.operands().end());
    readCommonOptions(parser, o);
    readRunOptions(parser, o);
    readDrillOptions(parser, o);
    checkCombinations(o, parser.given("--sample"));
    return o;
}

} // namespace nixdrill::cli
