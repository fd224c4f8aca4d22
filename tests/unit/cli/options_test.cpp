///@file Tests of command-line parsing.
#include "cli/options.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

namespace {

std::string messageOf(const std::vector<std::string>& args) {
    try {
        cli::parseOptions(args, false);
    } catch (const util::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli_options)

BOOST_AUTO_TEST_CASE(eval_with_reports) {
    auto o = cli::parseOptions({"eval", "--junit", "j.xml", "scenarios/", "--prometheus", "m.prom", "--json", "r.json",
                                "--eval-timeout", "30", "x.json"},
                               false);
    BOOST_TEST(o.command == "eval");
    BOOST_TEST(o.paths.size() == 2u);
    BOOST_TEST(o.reports.junit->string() == "j.xml");
    BOOST_TEST(o.reports.prometheus->string() == "m.prom");
    BOOST_TEST(o.reports.json->string() == "r.json");
    BOOST_TEST(o.evalTimeout.count() == 30);
    BOOST_TEST(!o.accept);
    BOOST_TEST(cli::parseOptions({"eval", "s"}, true).accept);
}

BOOST_AUTO_TEST_CASE(bad_usage_is_an_input_error) {
    BOOST_CHECK_THROW(cli::parseOptions({}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"evaluate"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"eval"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"eval", "s", "--junit"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"eval", "s", "--bogus"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"eval", "s", "--eval-timeout", "0"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"report"}, false), util::InputError);
}

BOOST_AUTO_TEST_CASE(run_guest_selection) {
    auto rerun = cli::parseOptions({"run", "--rerun-failed", "r.json", "--only", "a*,b"}, false);
    BOOST_TEST(rerun.paths.empty());
    BOOST_TEST(rerun.rerunFailed.value_or("") == "r.json");
    BOOST_TEST(rerun.only.value_or("") == "a*,b");
    auto o = cli::parseOptions({"run", "--guest", "nixos", "--guest-image", "result", "s.json"}, false);
    BOOST_TEST(*o.guest == "nixos");
    BOOST_TEST(o.guestImage->string() == "result");
    auto d = cli::parseOptions({"run", "s.json"}, false);
    BOOST_TEST(!d.guest.has_value());
    BOOST_TEST(!d.guestImage.has_value());
    // The image alone: scenarios that ask for NixOS guests take it.
    BOOST_TEST(cli::parseOptions({"run", "--guest-image", "guests/", "s.json"}, false).guestImage->string() ==
               "guests/");

    auto messageOf = [](std::vector<std::string> args) {
        try {
            cli::parseOptions(args, false);
        } catch (const util::InputError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    BOOST_TEST(messageOf({"run", "--guest", "fedora", "s.json"}).find("--guest takes debian or nixos") !=
               std::string::npos);
    BOOST_TEST(messageOf({"run", "--guest"}).find("needs a value") != std::string::npos);
    BOOST_TEST(messageOf({"eval", "--guest", "nixos", "s.json"}).find("options of run") != std::string::npos);
    BOOST_TEST(messageOf({"run", "--guest", "debian", "--guest-image", "r", "s.json"}).find("cannot go with") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(drill_sample_files_or_percent) {
    auto drill = [](std::vector<std::string> extra) {
        std::vector<std::string> args = {"drill", "--repository", "/r", "--password-file", "/pw"};
        args.insert(args.end(), extra.begin(), extra.end());
        return cli::parseOptions(args, false);
    };
    auto d = drill({});
    BOOST_TEST((d.sample.kind == engine::SampleSize::Kind::Files));
    BOOST_TEST(d.sample.files == 20u);
    BOOST_TEST(!d.seed.has_value());
    BOOST_TEST(drill({"--sample", "7"}).sample.files == 7u);
    auto p = drill({"--sample", "10%"});
    BOOST_TEST((p.sample.kind == engine::SampleSize::Kind::Percent));
    BOOST_TEST(p.sample.hundredthsPercent == 1000u);
    BOOST_TEST(drill({"--sample", "0.5%"}).sample.hundredthsPercent == 50u);
    BOOST_TEST(drill({"--sample", "12.25%"}).sample.hundredthsPercent == 1225u);
    BOOST_TEST(drill({"--sample", "100%"}).sample.hundredthsPercent == 10000u);
    BOOST_TEST(*drill({"--sample", "5%", "--seed", "42"}).seed == 42u);
    BOOST_TEST(*drill({"--seed", "18446744073709551615"}).seed == 18446744073709551615ull);

    auto messageOf = [&](std::vector<std::string> extra) {
        try {
            drill(extra);
        } catch (const util::InputError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    for (std::string bad : {"0", "0%", "0.00%", "100.01%", "150%", "1000%", "1.234%", "5.%", "%", "-3", "abc", "10 %",
                            " 10%", "1000001", "1e3", "+5", "0x10", "10%%", ".5%"}) {
        auto m = messageOf({"--sample", bad});
        BOOST_TEST_INFO("--sample " << bad);
        BOOST_TEST(m.find("--sample takes a number of files from 1 to 1000000 or a percentage") != std::string::npos);
        BOOST_TEST(m.find("'" + bad + "'") != std::string::npos);
    }
    BOOST_TEST(messageOf({"--seed", "-1"}).find("--seed takes") != std::string::npos);
    BOOST_TEST(messageOf({"--seed", "18446744073709551616"}).find("--seed takes") != std::string::npos);
    BOOST_TEST(messageOf({"--full", "--sample", "10%"}).find("cannot go with --sample") != std::string::npos);
    BOOST_TEST(messageOf({"--sample"}).find("needs a value") != std::string::npos);
    BOOST_CHECK_THROW(cli::parseOptions({"eval", "--sample", "10%", "s.json"}, false), util::InputError);
}

BOOST_AUTO_TEST_CASE(eval_nixpkgs) {
    BOOST_TEST(cli::parseOptions({"eval", "--nixpkgs", "/tmp/nixpkgs", "s.json"}, false).nixpkgs->string() ==
               "/tmp/nixpkgs");
    BOOST_TEST(!cli::parseOptions({"eval", "s.json"}, false).nixpkgs.has_value());
    BOOST_CHECK_THROW(cli::parseOptions({"run", "--nixpkgs", "/n", "s.json"}, false), util::InputError);
    BOOST_CHECK_THROW(cli::parseOptions({"eval", "--nixpkgs"}, false), util::InputError);

    using P = std::vector<std::filesystem::path>;
    BOOST_TEST((cli::nixpkgsCandidates("") == P{}));
    BOOST_TEST((cli::nixpkgsCandidates("nixpkgs=/nix/var/nixpkgs") == P{"/nix/var/nixpkgs"}));
    BOOST_TEST(
        (cli::nixpkgsCandidates("/root/channels:nixpkgs=/src/np:foo=/x") == P{"/root/channels/nixpkgs", "/src/np"}));
    // A URL (split at its colon by NIX_PATH's syntax) is no local path.
    BOOST_TEST((cli::nixpkgsCandidates("nixpkgs=https://example.org/nixpkgs.tar.gz") == P{}));
    BOOST_TEST((cli::nixpkgsCandidates("nixpkgs=relative/dir:other=/o") == P{}));
}

BOOST_AUTO_TEST_CASE(per_command_help) {
    auto helpOf = [](std::vector<std::string> args) {
        auto o = cli::parseOptions(args, false);
        BOOST_TEST_INFO(args.front());
        BOOST_TEST(o.command == "help");
        return o.helpTopic;
    };
    BOOST_TEST(helpOf({"run", "--help"}) == "run");
    BOOST_TEST(helpOf({"eval", "s.json", "-h"}) == "eval");
    // Help wins over what the command would need: drill's required flags, report's --from.
    BOOST_TEST(helpOf({"drill", "--help"}) == "drill");
    BOOST_TEST(helpOf({"report", "-h"}) == "report");
    BOOST_TEST(helpOf({"version", "--help"}) == "version");
    BOOST_TEST(helpOf({"help", "drill"}) == "drill");
    BOOST_TEST(helpOf({"--help", "report"}) == "report");
    BOOST_TEST(helpOf({"help"}).empty());
    BOOST_TEST(helpOf({"-h"}).empty());
    BOOST_TEST(helpOf({"help", "nonsense"}).empty());
    BOOST_TEST(helpOf({"help", "help"}).empty());
    // A flag's value is no help request, as before.
    BOOST_TEST(cli::parseOptions({"eval", "--junit", "--help", "s"}, false).reports.junit->string() == "--help");

    // Each command's help: its usage line and the options it uses, without another command's.
    auto run = cli::usage("run");
    BOOST_TEST(run.rfind("usage: nixdrill run PATH... [OPTIONS]\n", 0) == 0);
    for (const char* flag : {"--guest KIND", "--guest-image PATH", "--jobs N", "--deadline SEC", "--junit FILE"}) {
        BOOST_TEST_INFO(flag);
        BOOST_TEST(contains(run, flag));
    }
    BOOST_TEST(!contains(run, "--sample"));
    BOOST_TEST(!contains(run, "--nixpkgs"));
    // usage() says "run: ..." where all commands are listed; run's own help does not.
    BOOST_TEST(!contains(run, "run: "));
    auto drill = cli::usage("drill");
    BOOST_TEST(drill.rfind("usage: nixdrill drill --repository URL --password-file FILE [OPTIONS]\n", 0) == 0);
    BOOST_TEST(contains(drill, "--sample N|P%"));
    BOOST_TEST(contains(drill, "--password-file F"));
    BOOST_TEST(!contains(drill, "--guest"));
    BOOST_TEST(!contains(drill, "--eval-timeout"));
    auto eval = cli::usage("eval");
    BOOST_TEST(contains(eval, "--nixpkgs PATH"));
    BOOST_TEST(!contains(eval, "--faults"));
    BOOST_TEST(contains(cli::usage("report"), "--from RUN"));
    BOOST_TEST(!contains(cli::usage("version"), "--junit"));
    BOOST_TEST(cli::usage("help") == cli::usage());
    BOOST_TEST(cli::usage("") == cli::usage());
    BOOST_TEST(contains(cli::usage(), "drill options:"));
}

BOOST_AUTO_TEST_CASE(errors_name_the_flag) {
    // Unknown flags, with the command's help after them.
    auto unknown = messageOf({"eval", "s.json", "--bogus", "x"});
    BOOST_TEST(unknown.rfind("unknown option '--bogus'\n", 0) == 0);
    BOOST_TEST(contains(unknown, "usage: nixdrill eval PATH..."));
    BOOST_TEST(messageOf({"run", "s.json", "--Jobs", "2"}).rfind("unknown option '--Jobs'", 0) == 0);
    // The first of several; a dash-led word is an unknown flag, not a path; so is "--".
    BOOST_TEST(messageOf({"eval", "--x", "s.json", "--y"}).rfind("unknown option '--x'", 0) == 0);
    BOOST_TEST(messageOf({"eval", "s.json", "-3"}).rfind("unknown option '-3'", 0) == 0);
    BOOST_TEST(messageOf({"eval", "s.json", "--", "-x"}).rfind("unknown option '--'", 0) == 0);
    BOOST_TEST(messageOf({"drill", "--help", "--bogus"}).rfind("unknown option '--bogus'", 0) == 0);

    // Missing values: at the end, or an empty argument.
    BOOST_TEST(messageOf({"eval", "s.json", "--junit"}) == "option --junit needs a value");
    BOOST_TEST(messageOf({"eval", "s.json", "--junit="}) == "option --junit needs a value");
    BOOST_TEST(messageOf({"eval", "--json", "", "s.json"}) == "option --json needs a value");
    BOOST_TEST(messageOf({"run", "s.json", "--faults"}) == "option --faults needs a value");
    // --mutants: run only, not with the fault matrix, --accept or a NixOS guest.
    BOOST_TEST(messageOf({"eval", "s.json", "--mutants"}).find("--mutants") != std::string::npos);
    BOOST_TEST(messageOf({"run", "s.json", "--mutants", "--faults", "all"}) ==
               "--mutants cannot go with --faults or --accept: it runs the scenarios' mutants");
    BOOST_TEST(messageOf({"run", "s.json", "--mutants", "--accept"}) ==
               "--mutants cannot go with --faults or --accept: it runs the scenarios' mutants");
    BOOST_TEST(messageOf({"run", "s.json", "--mutants", "--guest", "nixos"}).find("--mutants needs the Debian guest") ==
               0);
    BOOST_TEST(messageOf({"drill", "--repository", "/r", "--password-file"}) == "option --password-file needs a value");
    // --rerun-failed: run only, and it stands in for the paths; --only: eval and run.
    BOOST_TEST(messageOf({"eval", "s.json", "--rerun-failed", "r.json"}) == "--rerun-failed is an option of run");
    BOOST_TEST(messageOf({"run"}) == "run needs at least one scenario file or directory (or --rerun-failed RUN)");
    BOOST_TEST(messageOf({"report", "--from", "r.json", "--only", "a"}) ==
               "--only is an option of eval and run (the scenarios they take)");
    BOOST_TEST(messageOf({"run", "s.json", "--only"}) == "option --only needs a value");

    // Bad numbers and values: the flag, what it takes, and what it got.
    BOOST_TEST(messageOf({"run", "s.json", "--jobs", "abc"}) == "--jobs takes a positive number, got 'abc'");
    BOOST_TEST(messageOf({"run", "s.json", "--memory-budget", "0"}) ==
               "--memory-budget takes a positive number, got '0'");
    BOOST_TEST(messageOf({"run", "s.json", "--jobs", "0x10"}) == "--jobs takes a positive number, got '0x10'");
    BOOST_TEST(messageOf({"eval", "s.json", "--eval-timeout", "+5"}) ==
               "--eval-timeout takes a positive number of seconds, got '+5'");
    BOOST_TEST(messageOf({"run", "s.json", "--deadline", "-1"}) ==
               "--deadline takes seconds from 0 (none) to 2592000, got '-1'");
    BOOST_TEST(messageOf({"drill", "--repository", "/r", "--password-file", "/pw", "--seed", "1e3"}) ==
               "--seed takes a non-negative integer below 2^64, got '1e3'");
    // A flag takes no value (CLI11 would read --quiet=VALUE).
    BOOST_TEST(messageOf({"eval", "s.json", "--quiet=no"}) == "option --quiet takes no value, got 'no'");
}

BOOST_AUTO_TEST_CASE(values_as_before) {
    // An option takes the next argument whatever it is; the last of a repeated option counts.
    auto o = cli::parseOptions({"eval", "--junit", "--json", "s", "--nix-dir", "a", "--nix-dir", "b"}, false);
    BOOST_TEST(o.reports.junit->string() == "--json");
    BOOST_TEST(!o.reports.json.has_value());
    BOOST_TEST(o.nixDir->string() == "b");
    // Operands named like commands are paths; "-" is a path.
    auto p = cli::parseOptions({"eval", "run", "-", "report"}, false);
    BOOST_TEST((p.paths == std::vector<std::filesystem::path>{"run", "-", "report"}));
    // --flag=VALUE (CLI11's syntax) is new and means the same as --flag VALUE.
    BOOST_TEST(cli::parseOptions({"eval", "--junit=j.xml", "s"}, false).reports.junit->string() == "j.xml");
    auto r =
        cli::parseOptions({"run", "--warm", "--jobs", "3", "--memory-budget", "4096", "--deadline", "0", "s"}, false);
    BOOST_TEST(r.warm);
    BOOST_TEST(r.jobs == 3u);
    BOOST_TEST(r.memoryBudgetMiB == 4096u);
    BOOST_TEST(r.runDeadline.count() == 0);
    auto d = cli::parseOptions({"run", "s"}, false);
    BOOST_TEST(d.runDeadline.count() == 6 * 3600);
    BOOST_TEST(d.evalTimeout.count() == 300);
    BOOST_TEST(d.jobs == 0u);
    BOOST_TEST(!d.quiet);
    // Warm starts are the default; --cold boots every guest; both at once is a contradiction.
    BOOST_TEST(d.warm);
    BOOST_TEST(!cli::parseOptions({"run", "--cold", "s"}, false).warm);
    BOOST_TEST(messageOf({"run", "--cold", "--warm", "s"}).find("contradict") != std::string::npos);
    BOOST_TEST(messageOf({"eval", "--cold", "s"}).find("options of run") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shards_and_merged_reports) {
    auto s = cli::parseOptions({"run", "--shard", "2/3", "--shard-durations", "old.json", "s"}, false);
    BOOST_TEST(*s.shard == "2/3");
    BOOST_TEST(s.shardDurations->string() == "old.json");
    BOOST_TEST(cli::parseOptions({"eval", "--shard", "1/2", "s"}, false).shard.has_value());
    // Bad shards are refused while parsing, before anything runs.
    BOOST_TEST(contains(messageOf({"run", "--shard", "3/2", "s"}), "--shard 3/2: K must be from 1 to N (2), got 3"));
    BOOST_TEST(contains(messageOf({"run", "--shard", "0/0", "s"}), "--shard 0/0: N must be from 1 to 1000, got 0"));
    BOOST_TEST(contains(messageOf({"report", "--shard", "1/2", "--from", "r.json"}), "options of eval and run"));
    BOOST_TEST(contains(messageOf({"run", "--shard-durations", "old.json", "s"}), "give --shard too"));
    // --from repeats, in command-line order; one stays one.
    auto r = cli::parseOptions({"report", "--from", "a.json", "--junit", "j.xml", "--from", "b.json"}, false);
    BOOST_TEST((r.from == std::vector<std::filesystem::path>{"a.json", "b.json"}));
    BOOST_TEST(cli::parseOptions({"report", "--from", "a.json"}, false).from.size() == 1u);
    BOOST_TEST(contains(messageOf({"report"}), "report needs --from RUN.json"));
    BOOST_TEST(contains(messageOf({"report", "--from", "", "--from", "b.json"}), "--from needs a value"));
}

BOOST_AUTO_TEST_SUITE_END()
