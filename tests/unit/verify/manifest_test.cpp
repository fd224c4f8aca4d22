///@file Tests of manifests: the real script on a real tree, parsing, exclusion, comparison.
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "verify/manifest.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace nixdrill;
using verify::EntryType;

namespace {

verify::ParsedManifest manifestOf(const std::filesystem::path& root, const std::vector<std::string>& paths) {
    std::vector<std::string> argv = {"bash", "-c", std::string(verify::manifestScript()), "manifest", root.string()};
    argv.insert(argv.end(), paths.begin(), paths.end());
    auto r = util::runProcess(argv);
    BOOST_REQUIRE_MESSAGE(r.exitCode == 0, r.err);
    return verify::parseManifest(r.out);
}

void write(const std::filesystem::path& p, const std::string& content, mode_t mode = 0644) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
}

} // namespace

BOOST_AUTO_TEST_SUITE(verify_manifest)

BOOST_AUTO_TEST_CASE(script_lists_a_real_tree) {
    util::TempDir dir;
    auto root = dir.path();
    write(root / "srv/app/a.txt", "hello", 0600);
    write(root / "srv/app/sub dir/été\n.bin", std::string(1000, 'x'));
    std::filesystem::create_symlink("a.txt", root / "srv/app/link");
    ::chown((root / "srv/app/a.txt").c_str(), 1234, 5678);
    auto m = manifestOf(root, {"/srv/app", "/srv/none"});
    BOOST_TEST(m.missingRoots == std::vector<std::string>{"/srv/none"});
    BOOST_REQUIRE(m.entries.count("/srv/app/a.txt") == 1u);
    const auto& a = m.entries.at("/srv/app/a.txt");
    BOOST_TEST((a.type == EntryType::File));
    BOOST_TEST(a.size == 5u);
    BOOST_TEST(a.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    BOOST_TEST(a.mode == 0600u);
    BOOST_TEST(a.uid == 1234u);
    BOOST_TEST(a.gid == 5678u);
    BOOST_TEST(m.entries.at("/srv/app/sub dir/été\n.bin").size == 1000u);
    BOOST_TEST((m.entries.at("/srv/app/link").type == EntryType::Symlink));
    BOOST_TEST(m.entries.at("/srv/app/link").target == "a.txt");
    BOOST_TEST((m.entries.at("/srv/app/sub dir").type == EntryType::Directory));
    BOOST_TEST(m.entries.size() == 5u); // /srv/app, a.txt, link, sub dir, the file in it
}

BOOST_AUTO_TEST_CASE(one_changed_byte_is_found) {
    util::TempDir dir;
    write(dir.path() / "d/f", "abcdef");
    auto before = manifestOf(dir.path(), {"/d"}).entries;
    write(dir.path() / "d/f", "abcdeF");
    auto after = manifestOf(dir.path(), {"/d"}).entries;
    auto diff = verify::compareManifests(before, after);
    BOOST_REQUIRE(diff.size() == 1u);
    BOOST_TEST(diff[0].path == "/d/f");
    BOOST_TEST(diff[0].what == "sha256");
}

BOOST_AUTO_TEST_CASE(differences_of_every_kind) {
    verify::Manifest e;
    e["/a"] = {"/a", EntryType::File, 0644, 0, 0, 3, std::string(64, 'a'), ""};
    e["/b"] = {"/b", EntryType::File, 0644, 0, 0, 3, std::string(64, 'b'), ""};
    e["/l"] = {"/l", EntryType::Symlink, 0777, 0, 0, 0, "", "a"};
    auto a = e;
    a.erase("/b");
    a["/a"].mode = 0600;
    a["/a"].uid = 7;
    a["/l"].target = "b";
    a["/x"] = {"/x", EntryType::Directory, 0755, 0, 0, 0, "", ""};
    auto d = verify::compareManifests(e, a);
    std::string what;
    for (const auto& x : d) {
        what += x.path + ":" + x.what + " ";
    }
    BOOST_TEST(what == "/a:mode /a:uid /b:missing /l:target /x:unexpected ");
    auto ms = verify::toMismatches(d);
    BOOST_TEST(ms[2].pointer == "/files/b");
    BOOST_TEST(!ms[2].actual.has_value());
}

BOOST_AUTO_TEST_CASE(restic_style_excludes) {
    std::vector<std::string> p = {"*.tmp", "cache", "/srv/app/logs/*.log", "**/node_modules"};
    BOOST_TEST(verify::isExcluded("/srv/app/x.tmp", p));
    BOOST_TEST(verify::isExcluded("/srv/app/deep/er/y.tmp", p));
    BOOST_TEST(!verify::isExcluded("/srv/app/x.tmpl", p));
    BOOST_TEST(verify::isExcluded("/srv/app/cache", p));
    BOOST_TEST(verify::isExcluded("/srv/app/cache/inner/file", p));
    BOOST_TEST(!verify::isExcluded("/srv/app/cached", p));
    BOOST_TEST(verify::isExcluded("/srv/app/logs/a.log", p));
    BOOST_TEST(!verify::isExcluded("/other/srv/app/logs/a.log", p));
    BOOST_TEST(verify::isExcluded("/srv/web/node_modules/x/y", p));
    BOOST_TEST(!verify::isExcluded("/srv/app/data", p));
}

BOOST_AUTO_TEST_CASE(malformed_output_is_an_input_error) {
    using namespace std::string_literals;
    BOOST_CHECK_THROW(verify::parseManifest("E\0f\0"s), util::InputError);
    BOOST_CHECK_THROW(verify::parseManifest("X\0"s), util::InputError);
    BOOST_CHECK_THROW(verify::parseManifest("E\0f\0999\0"
                                            "0\0"
                                            "0\0"
                                            "1\0./a\0\0"s),
                      util::InputError);
    // "\0" "644": "\0644" would be the octal escape \064 ('4').
    BOOST_CHECK_EXCEPTION(verify::parseManifest("E\0f\0"
                                                "644\0"
                                                "0\0"
                                                "0\0"
                                                "1\0./a\0\0"s),
                          util::InputError, [](const util::InputError& e) {
                              return std::string(e.what()).find("has no sha256 record") != std::string::npos;
                          }); // no hash
    // A live listing may lose a file between find and hash: dropped and named, nothing else.
    auto live = verify::parseManifest("E\0f\0"
                                      "644\0"
                                      "0\0"
                                      "0\0"
                                      "1\0./a\0\0"
                                      "E\0d\0"
                                      "755\0"
                                      "0\0"
                                      "0\0"
                                      "0\0./d\0\0"s,
                                      true);
    BOOST_TEST(live.entries.size() == 1u);
    BOOST_TEST(live.entries.count("/d") == 1u);
    BOOST_REQUIRE(live.vanished.size() == 1u);
    BOOST_TEST(live.vanished[0] == "/a");
    BOOST_CHECK_THROW(verify::parseManifest("H\0zz\0./a\0"s), util::InputError);
    BOOST_CHECK_THROW(verify::parseManifest("M\0/a"s), util::InputError);
    BOOST_TEST(verify::parseManifest("").entries.empty());
}

BOOST_AUTO_TEST_CASE(a_number_beyond_64_bits_is_an_input_error_not_a_wrapped_value) {
    using namespace std::string_literals;
    const auto hash = std::string(64, 'a');
    auto file = [&](const std::string& size) {
        return "E\0f\0"
               "644\0"
               "0\0"
               "0\0"s +
               size + "\0./a\0\0H\0"s + hash + "\0./a\0"s;
    };
    BOOST_TEST(verify::parseManifest(file("18446744073709551615")).entries.at("/a").size == 18446744073709551615ULL);
    // One more than the largest unsigned 64-bit value, and twenty nines: both used to wrap silently.
    for (const auto& size : {"18446744073709551616"s, "99999999999999999999"s}) {
        try {
            verify::parseManifest(file(size));
            BOOST_ERROR("size " << size << " was accepted");
        } catch (const util::InputError& e) {
            BOOST_TEST(std::string(e.what()).find("manifest record 0: bad size '" + size + "'") != std::string::npos,
                       e.what());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
