///@file Tests of the Nix bridge with the real nix-instantiate and a stand-in nix/lib.
#include "nixeval/evaluator.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>

using namespace nixdrill;

namespace {

/// A nix dir whose lib echoes its input, rejects services named "invalid", throws for
/// "throws" and aborts with a type error (which tryEval cannot catch) for "typeerror".
struct FakeNixDir {
    util::TempDir dir;
    FakeNixDir() {
        std::filesystem::create_directories(dir.path() / "eval");
        std::filesystem::create_directories(dir.path() / "lib");
        const char* root = std::getenv("NIXDRILL_SOURCE_ROOT");
        std::filesystem::copy_file(std::filesystem::path(root ? root : ".") / "nix/eval/batch.nix",
                                   dir.path() / "eval/batch.nix");
        util::writeFileAtomic(dir.path() / "lib/default.nix", R"(rec {
  validate = services: if services ? invalid then [ "qgroget.serviceModules.invalid: rejected" ] else [ ];
  collect = services:
    if services ? throws then throw "deliberate failure"
    else if services ? typeerror then { n = 1 + "x"; }
    else { names = builtins.attrNames services; };
})");
    }
};

nixeval::EvalRequest req(const std::string& id, const std::string& services) {
    return {id, nlohmann::ordered_json::parse(services), std::nullopt, std::nullopt};
}

} // namespace

BOOST_AUTO_TEST_SUITE(nixeval_evaluator)

BOOST_AUTO_TEST_CASE(one_batch_with_every_kind_of_outcome) {
    FakeNixDir fake;
    nixeval::NixEvaluator ev({fake.dir.path(), "nix-instantiate", std::chrono::seconds(60)});
    auto out = ev.evaluate({req("ok", R"({"b": {}, "a": {}})"), req("bad", R"({"invalid": {}})"),
                            req("throws", R"({"throws": {}})"), req("ok2", R"({})")});
    BOOST_REQUIRE(out.size() == 4u);
    BOOST_TEST((out[0].status == nixeval::EvalStatus::Ok));
    BOOST_TEST(out[0].value["collector"]["names"] == nlohmann::json::parse(R"(["a", "b"])"));
    BOOST_TEST((out[1].status == nixeval::EvalStatus::Invalid));
    BOOST_TEST(out[1].message == "qgroget.serviceModules.invalid: rejected");
    BOOST_TEST((out[2].status == nixeval::EvalStatus::Error));
    BOOST_TEST(out[2].message.find("deliberate failure") != std::string::npos, out[2].message);
    BOOST_TEST((out[3].status == nixeval::EvalStatus::Ok));
}

BOOST_AUTO_TEST_CASE(an_uncatchable_error_does_not_hide_the_other_results) {
    FakeNixDir fake;
    nixeval::NixEvaluator ev({fake.dir.path(), "nix-instantiate", std::chrono::seconds(60)});
    auto out = ev.evaluate({req("ok", R"({"a": {}})"), req("te", R"({"typeerror": {}})")});
    BOOST_TEST((out[0].status == nixeval::EvalStatus::Ok));
    BOOST_TEST((out[1].status == nixeval::EvalStatus::Error));
    BOOST_TEST(out[1].message.find("cannot add a string to an integer") != std::string::npos, out[1].message);
    BOOST_TEST(out[1].message.find("warning:") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(version_and_missing_nix) {
    FakeNixDir fake;
    BOOST_TEST(
        nixeval::NixEvaluator({fake.dir.path(), "nix-instantiate", std::chrono::seconds(60)}).nixVersion().find('.') !=
        std::string::npos);
    nixeval::NixEvaluator missing({fake.dir.path(), "/nonexistent/nix-instantiate", std::chrono::seconds(5)});
    BOOST_CHECK_THROW(missing.evaluate({req("a", "{}")}), util::SystemError);
}

BOOST_AUTO_TEST_CASE(module_evaluation_gets_the_nixpkgs_lib) {
    // A stand-in for eval/modules.nix that shows which lib it was given, and a fake nixpkgs.
    FakeNixDir fake;
    util::writeFileAtomic(fake.dir.path() / "eval/modules.nix", R"({ nixpkgsLib, inputFile, strict ? false }:
map (r: if r.services ? bad then { inherit (r) id; status = "invalid"; errors = [ "qgroget.x: assertion" ]; }
        else { inherit (r) id; status = "ok"; value = { marker = (import nixpkgsLib).marker; }; })
  (builtins.fromJSON (builtins.readFile inputFile)))");
    util::TempDir nixpkgs("nixdrill-fake-nixpkgs-");
    std::filesystem::create_directories(nixpkgs.path() / "lib");
    util::writeFileAtomic(nixpkgs.path() / "lib/default.nix", R"({ marker = "fake lib"; })");
    util::writeFileAtomic(nixpkgs.path() / "lib/modules.nix", "{ }");

    auto lib = nixeval::findNixpkgsLib(nixpkgs.path());
    BOOST_REQUIRE(lib.has_value());
    BOOST_TEST(*lib == nixpkgs.path() / "lib");
    BOOST_TEST(*nixeval::findNixpkgsLib(nixpkgs.path() / "lib") == nixpkgs.path() / "lib"); // nixpkgs.lib's lib/ itself
    BOOST_TEST(!nixeval::findNixpkgsLib(fake.dir.path() / "eval").has_value());
    BOOST_TEST(!nixeval::findNixpkgsLib("/nonexistent").has_value());

    nixeval::NixEvaluator ev({fake.dir.path(), "nix-instantiate", std::chrono::seconds(60)});
    auto out = ev.evaluateModules({req("a", "{}"), req("b", R"({"bad": {}})")}, *lib);
    BOOST_REQUIRE(out.size() == 2u);
    BOOST_TEST((out[0].status == nixeval::EvalStatus::Ok));
    BOOST_TEST(out[0].value["marker"] == "fake lib");
    BOOST_TEST((out[1].status == nixeval::EvalStatus::Invalid));
    BOOST_TEST(out[1].message == "qgroget.x: assertion");
    // The plain evaluation still runs batch.nix.
    BOOST_TEST(ev.evaluate({req("a", "{}")})[0].value.contains("collector"));
}

BOOST_AUTO_TEST_CASE(nix_dir_lookup) {
    FakeNixDir fake;
    BOOST_TEST(nixeval::findNixDir(fake.dir.path()) == fake.dir.path());
    BOOST_CHECK_THROW(nixeval::findNixDir(std::filesystem::path("/nonexistent")), util::InputError);
}

BOOST_AUTO_TEST_CASE(warnings_are_cleaned_from_errors) {
    BOOST_TEST(nixeval::cleanNixError("warning: x\nerror: y\n   at z\n\n") == "error: y\n   at z");
}

BOOST_AUTO_TEST_SUITE_END()
