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

BOOST_AUTO_TEST_SUITE_END()
