///@file Tests of atomic writes, temp dirs and text helpers.
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

#include <boost/test/unit_test.hpp>
#include <sys/stat.h>

using namespace nixdrill::util;

BOOST_AUTO_TEST_SUITE(util_file)

BOOST_AUTO_TEST_CASE(atomic_write_replaces_and_leaves_no_temp_files) {
    TempDir dir;
    auto f = dir.path() / "report.xml";
    writeFileAtomic(f, "one");
    writeFileAtomic(f, "two");
    BOOST_TEST(readFile(f) == "two");
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) {
        ++entries;
    }
    BOOST_TEST(entries == 1u);
}

BOOST_AUTO_TEST_CASE(failed_write_keeps_the_old_file) {
    TempDir dir;
    auto f = dir.path() / "report.xml";
    writeFileAtomic(f, "good");
    // A read-only directory: root ignores permission bits, so use a path whose parent is a file.
    BOOST_CHECK_THROW(writeFileAtomic(f / "child", "bad"), SystemError);
    BOOST_TEST(readFile(f) == "good");
}

BOOST_AUTO_TEST_CASE(temp_dir_is_removed) {
    std::filesystem::path p;
    {
        TempDir dir;
        p = dir.path();
        writeFileAtomic(p / "x", "y");
        BOOST_TEST(std::filesystem::exists(p));
    }
    BOOST_TEST(!std::filesystem::exists(p));
}

BOOST_AUTO_TEST_CASE(read_missing_file_names_it) {
    try {
        readFile("/nonexistent/nixdrill");
        BOOST_FAIL("no exception");
    } catch (const SystemError& e) {
        BOOST_TEST(std::string(e.what()).find("/nonexistent/nixdrill") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(positions_are_one_based) {
    auto p = positionOf("ab\ncd\nef", 4);
    BOOST_TEST(p.line == 2u);
    BOOST_TEST(p.column == 2u);
    BOOST_TEST(positionOf("", 10).line == 1u);
}

BOOST_AUTO_TEST_CASE(pointer_tokens_are_escaped) {
    BOOST_TEST(escapePointerToken("a/b~c") == "a~1b~0c");
}

BOOST_AUTO_TEST_CASE(timestamps_are_rfc3339_utc) {
    BOOST_TEST(formatTimestamp(std::chrono::system_clock::time_point(std::chrono::seconds(0))) ==
               "1970-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(error_context_frames_are_kept_in_order) {
    Error e("restic failed");
    e.addContext("while restoring snapshot 'x'").addContext("while running drill 'y'");
    BOOST_TEST(e.context().size() == 2u);
    BOOST_TEST(e.describe() == "restic failed\n  while restoring snapshot 'x'\n  while running drill 'y'");
    BOOST_TEST(std::string(e.what()) == e.describe());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(util_redact)

BOOST_AUTO_TEST_CASE(secrets_are_replaced_everywhere) {
    nixdrill::util::Redactor r;
    r.add("s3cr3t-password\n");
    r.add("abc"); // too short to redact safely
    BOOST_TEST(r.apply("pw=s3cr3t-password; again s3cr3t-password abc") == "pw=[REDACTED]; again [REDACTED] abc");
}

BOOST_AUTO_TEST_SUITE_END()
