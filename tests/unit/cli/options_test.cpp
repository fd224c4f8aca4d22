///@file Tests of command-line parsing.
#include "cli/options.hpp"
#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

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

BOOST_AUTO_TEST_SUITE_END()
