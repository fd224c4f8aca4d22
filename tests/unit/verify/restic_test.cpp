///@file Tests of the read-only restic wrapper: write commands refused, outputs parsed strictly.
#include "util/error.hpp"
#include "verify/restic.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill;

BOOST_AUTO_TEST_SUITE(verify_restic)

BOOST_AUTO_TEST_CASE(every_operation_is_a_read_with_no_lock) {
    for (auto op : {verify::ReadOperation::Snapshots, verify::ReadOperation::List, verify::ReadOperation::Restore,
                    verify::ReadOperation::Check}) {
        auto args = verify::ReadOnlyRestic::arguments(op, {});
        BOOST_TEST(args.front() == "--no-lock");
        BOOST_CHECK_NO_THROW(verify::assertReadOnly(args));
    }
}

BOOST_AUTO_TEST_CASE(write_commands_are_refused) {
    for (const char* cmd : {"backup", "forget", "prune", "unlock", "init", "key", "tag", "rebuild-index", "repair",
                            "migrate", "copy", "self-update"}) {
        BOOST_CHECK_THROW(verify::assertReadOnly({"--no-lock", cmd}), util::InputError);
        BOOST_CHECK_THROW(verify::assertReadOnly({cmd, "--dry-run"}), util::InputError);
    }
    BOOST_CHECK_THROW(verify::assertReadOnly({"--no-lock"}), util::InputError);
    // An option value that is not a known read command is refused too, never skipped over.
    BOOST_CHECK_THROW(verify::assertReadOnly({"-r", "/repo", "snapshots"}), util::InputError);
    try {
        verify::assertReadOnly({"forget", "--prune"});
    } catch (const util::InputError& e) {
        BOOST_TEST(std::string(e.what()).find("refusing to run 'restic forget'") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(snapshots_and_nodes_are_parsed_strictly) {
    auto snaps =
        verify::parseSnapshots(R"([{"time":"2026-11-23T20:41:15.9Z","id":"abc","paths":["/srv"],"hostname":"h"}])");
    BOOST_REQUIRE(snaps.size() == 1u);
    BOOST_TEST(snaps[0].id == "abc");
    BOOST_TEST(snaps[0].paths.at(0) == "/srv");
    BOOST_CHECK_THROW(verify::parseSnapshots(R"([{"time":"2026)"), util::InputError);
    BOOST_CHECK_THROW(verify::parseSnapshots(R"({"id":"x"})"), util::InputError);
    BOOST_CHECK_THROW(verify::parseSnapshots(R"([{"id":"x"}])"), util::InputError);

    auto nodes = verify::parseNodes(
        "{\"struct_type\":\"snapshot\",\"id\":\"abc\"}\n"
        "{\"name\":\"a\",\"type\":\"file\",\"path\":\"/d/a\",\"size\":6,\"mode\":420,\"struct_type\":\"node\"}\n"
        "{\"name\":\"d\",\"type\":\"dir\",\"path\":\"/d\",\"mode\":2147484141,\"struct_type\":\"node\"}\n");
    BOOST_REQUIRE(nodes.size() == 2u);
    BOOST_TEST(nodes[0].size == 6u);
    BOOST_TEST(nodes[0].mode == 0644u);
    BOOST_TEST(nodes[1].mode == 0755u);
    BOOST_CHECK_THROW(verify::parseNodes("{\"struct_type\":\"node\",\"path\":\"/a\"}\n{trunc"), util::InputError);
    BOOST_CHECK_THROW(verify::parseNodes("{\"struct_type\":\"node\",\"path\":\"rel\"}\n"), util::InputError);
}

BOOST_AUTO_TEST_SUITE_END()
