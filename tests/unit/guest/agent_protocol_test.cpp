///@file Guest agent messages: what we send and how replies are read.
#include "guest/agent_protocol.hpp"
#include "util/error.hpp"
#include "vm/libvirt_error.hpp"

#include <boost/test/unit_test.hpp>

using namespace nixdrill::guest;
using nlohmann::json;
namespace util = nixdrill::util;
namespace vm = nixdrill::vm;

BOOST_AUTO_TEST_SUITE(agent_protocol)

BOOST_AUTO_TEST_CASE(commands_are_encoded) {
    BOOST_TEST(json::parse(protocol::encodeCommand("guest-ping")) == json({{"execute", "guest-ping"}}));
    auto exec = json::parse(protocol::encodeExec({"/bin/sh", {"-c", "echo hi"}, {}, std::string("in"), true}));
    BOOST_TEST(exec == json::parse(R"({"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","echo hi"],
                                     "capture-output":true,"input-data":"aW4="}})"));
    auto bare = json::parse(protocol::encodeExec({"/bin/true", {}, {}, std::nullopt, false}));
    BOOST_TEST(!bare["arguments"].contains("arg"));
    BOOST_TEST(!bare["arguments"].contains("env"));
    BOOST_TEST(!bare["arguments"].contains("input-data"));
    BOOST_TEST(json::parse(protocol::encodeExecStatus(42)) ==
               json::parse(R"({"execute":"guest-exec-status","arguments":{"pid":42}})"));
    BOOST_TEST(json::parse(protocol::encodeFileOpen("/tmp/x", "r")) ==
               json::parse(R"({"execute":"guest-file-open","arguments":{"path":"/tmp/x","mode":"r"}})"));
    BOOST_TEST(json::parse(protocol::encodeFileRead(7, 4096)) ==
               json::parse(R"({"execute":"guest-file-read","arguments":{"handle":7,"count":4096}})"));
    BOOST_TEST(json::parse(protocol::encodeFileWrite(7, "abc")) ==
               json::parse(R"({"execute":"guest-file-write","arguments":{"handle":7,"buf-b64":"YWJj"}})"));
    BOOST_TEST(json::parse(protocol::encodeFileClose(7)) ==
               json::parse(R"({"execute":"guest-file-close","arguments":{"handle":7}})"));
    BOOST_TEST(json::parse(protocol::encodeSetTime(1893456000000000000)) ==
               json::parse(R"({"execute":"guest-set-time","arguments":{"time":1893456000000000000}})"));
}

BOOST_AUTO_TEST_CASE(replies_are_decoded) {
    BOOST_TEST(protocol::decodeReply(R"({"return":{}})") == json::object());
    BOOST_TEST(protocol::decodeExecPid(protocol::decodeReply(R"({"return":{"pid":1234}})")) == 1234);
    auto running = protocol::decodeExecStatus(json::parse(R"({"exited":false})"));
    BOOST_TEST(!running.exited);
    auto done = protocol::decodeExecStatus(json::parse(
        R"({"exited":true,"exitcode":3,"out-data":"aGVsbG8K","err-data":"b29wcw==","out-truncated":true})"));
    BOOST_TEST(done.exited);
    BOOST_TEST(done.exitCode.value() == 3);
    BOOST_TEST(!done.signal.has_value());
    BOOST_TEST(done.out == "hello\n");
    BOOST_TEST(done.err == "oops");
    BOOST_TEST(done.outTruncated);
    BOOST_TEST(!done.errTruncated);
    auto killed = protocol::decodeExecStatus(json::parse(R"({"exited":true,"signal":9})"));
    BOOST_TEST(killed.signal.value() == 9);
    BOOST_TEST(!killed.exitCode.has_value());
    auto chunk = protocol::decodeFileRead(json::parse(R"({"count":3,"buf-b64":"YWJj","eof":true})"));
    BOOST_TEST(chunk.data == "abc");
    BOOST_TEST(chunk.eof);
    BOOST_TEST(protocol::decodeFileWrite(json::parse(R"({"count":3,"eof":false})")) == 3u);
    BOOST_TEST(protocol::decodeFileHandle(json(1000)) == 1000);
}

BOOST_AUTO_TEST_CASE(agent_errors_become_agent_command_errors) {
    try {
        protocol::decodeReply(R"({"error":{"class":"GenericError","desc":"failed to open file '/x': No such file"}})");
        BOOST_ERROR("no exception");
    } catch (const vm::AgentCommandError& e) {
        BOOST_TEST(std::string(e.what()).find("No such file") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(malformed_replies_are_system_errors) {
    BOOST_CHECK_THROW(protocol::decodeReply("not json"), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeReply("[1,2]"), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeReply(R"({"neither":1})"), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeExecPid(json::object()), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeExecPid(json({{"pid", "x"}})), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeExecStatus(json({{"exited", "yes"}})), util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeFileHandle(json("7")), util::SystemError);
    // count and payload disagree: a truncated reply must not pass as data
    BOOST_CHECK_THROW(protocol::decodeFileRead(json::parse(R"({"count":4,"buf-b64":"YWJj","eof":false})")),
                      util::SystemError);
    BOOST_CHECK_THROW(protocol::decodeExecStatus(json::parse(R"({"exited":true,"out-data":"%%%%"})")),
                      util::InputError);
}

BOOST_AUTO_TEST_SUITE_END()
