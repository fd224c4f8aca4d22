///@file The agent client against a scripted in-memory agent: polling, timeouts, chunked files.
#include "guest/agent.hpp"
#include "guest/base64.hpp"
#include "guest/errors.hpp"
#include "util/error.hpp"
#include "vm/libvirt_error.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <map>
#include <set>

using namespace nixdrill;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// An agent in memory: files, and processes that exit after a given number of status polls.
class FakeAgent final : public guest::AgentTransport {
public:
    std::vector<json> sent;
    int unavailableFor = 0; // the first N commands fail as "agent not connected"
    std::map<std::string, std::string> files;
    int pollsUntilExit = 2;
    int exitCode = 0;
    std::string out = "out\n";
    std::map<std::int64_t, std::string> openFiles; // handle -> path
    std::map<std::int64_t, std::size_t> readOffsets;
    std::set<std::int64_t> closed;
    bool failWrites = false;

    std::string command(const std::string& text, std::chrono::milliseconds) override {
        auto cmd = json::parse(text);
        sent.push_back(cmd);
        if (unavailableFor > 0) {
            --unavailableFor;
            throw vm::AgentUnavailableError("Guest agent is not responding: QEMU guest agent is not connected", 86);
        }
        auto name = cmd["execute"].get<std::string>();
        const auto& args = cmd.contains("arguments") ? cmd["arguments"] : json::object();
        json ret = json::object();
        if (name == "guest-exec") {
            ret = {{"pid", 100 + static_cast<int>(sent.size())}};
        } else if (name == "guest-exec-status") {
            if (--polls_[args["pid"].get<int>()] + pollsUntilExit > 0) {
                ret = {{"exited", false}};
            } else {
                ret = {{"exited", true}, {"exitcode", exitCode}, {"out-data", guest::base64Encode(out)}};
            }
        } else if (name == "guest-file-open") {
            auto path = args["path"].get<std::string>();
            if (args["mode"] == "r" && !files.count(path)) {
                return R"({"error":{"class":"GenericError","desc":"failed to open file"}})";
            }
            if (args["mode"] == "w") {
                files[path].clear();
            }
            auto handle = 1000 + static_cast<std::int64_t>(openFiles.size());
            openFiles[handle] = path;
            return json({{"return", handle}}).dump();
        } else if (name == "guest-file-read") {
            auto handle = args["handle"].get<std::int64_t>();
            auto& data = files[openFiles.at(handle)];
            auto& offset = readOffsets[handle];
            auto piece = data.substr(offset, args["count"].get<std::size_t>());
            offset += piece.size();
            ret = {{"count", piece.size()}, {"buf-b64", guest::base64Encode(piece)}, {"eof", offset >= data.size()}};
        } else if (name == "guest-file-write") {
            if (failWrites) {
                throw vm::AgentCommandError("unable to execute QEMU agent command 'guest-file-write': ENOSPC", 1);
            }
            auto piece = guest::base64Decode(args["buf-b64"].get<std::string>());
            files[openFiles.at(args["handle"].get<std::int64_t>())] += piece;
            ret = {{"count", piece.size()}, {"eof", false}};
        } else if (name == "guest-file-close") {
            closed.insert(args["handle"].get<std::int64_t>());
        }
        return json({{"return", ret}}).dump();
    }

    std::size_t count(const std::string& name) const {
        return static_cast<std::size_t>(
            std::count_if(sent.begin(), sent.end(), [&](const json& c) { return c["execute"] == name; }));
    }

private:
    std::map<int, int> polls_;
};

} // namespace

BOOST_AUTO_TEST_SUITE(agent)

BOOST_AUTO_TEST_CASE(waits_until_the_agent_connects) {
    FakeAgent fake;
    fake.unavailableFor = 3;
    guest::Agent agent(fake);
    BOOST_TEST(!agent.ping());
    agent.waitUntilConnected(5s);
    BOOST_TEST(fake.count("guest-ping") == 4u);
}

BOOST_AUTO_TEST_CASE(gives_up_on_an_agent_that_never_connects) {
    FakeAgent fake;
    fake.unavailableFor = 1000000;
    guest::Agent agent(fake);
    BOOST_CHECK_EXCEPTION(agent.waitUntilConnected(300ms), guest::WaitTimedOut, [](const guest::WaitTimedOut& e) {
        return std::string(e.what()).find("the guest agent to answer") != std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(exec_polls_until_the_command_exits) {
    FakeAgent fake;
    fake.pollsUntilExit = 3;
    fake.exitCode = 4;
    guest::Agent agent(fake);
    auto result = agent.run("echo out; exit 4", 10s);
    BOOST_TEST(result.exitCode == 4);
    BOOST_TEST(result.out == "out\n");
    BOOST_TEST(result.command == "echo out; exit 4");
    BOOST_TEST(!result.succeeded());
    BOOST_TEST(fake.count("guest-exec-status") == 3u);
    BOOST_TEST(fake.sent.front()["arguments"]["arg"] == json({"-c", "echo out; exit 4"}));
    BOOST_TEST(result.describe().find("exited with 4") != std::string::npos);
}

// The harness-overhead profile reads these counters: they must count what was sent.
BOOST_AUTO_TEST_CASE(stats_count_calls_commands_and_polls) {
    FakeAgent fake;
    fake.unavailableFor = 1;
    fake.pollsUntilExit = 3;
    guest::Agent agent(fake);
    BOOST_TEST(!agent.ping());
    (void)agent.run("true", 10s);
    (void)agent.run("true", 10s);
    const auto& s = agent.stats();
    BOOST_TEST(s.calls == fake.sent.size());
    BOOST_TEST(s.calls == 1u + 2u * (1u + 3u)); // ping, then per command: exec + 3 status calls
    BOOST_TEST(s.execs == 2u);
    BOOST_TEST(s.polls == 4u); // 2 of the 3 status calls per command found it running
    BOOST_TEST(s.inCalls.count() >= s.inPolls.count());
    BOOST_TEST(s.inExecs.count() > 0);
    // By kind of RPC: the failed ping counts too, and the kinds add up to all calls.
    BOOST_REQUIRE_EQUAL(s.byCommand.size(), 3u);
    BOOST_TEST(s.byCommand.at("guest-ping").calls == 1u);
    BOOST_TEST(s.byCommand.at("guest-exec").calls == 2u);
    BOOST_TEST(s.byCommand.at("guest-exec-status").calls == 6u);
    const auto& status = s.byCommand.at("guest-exec-status");
    BOOST_TEST(status.fastest.count() <= status.time.count() / 6);
    guest::AgentStats sum;
    sum += s;
    sum += s;
    BOOST_TEST(sum.calls == 2 * s.calls);
    BOOST_TEST(sum.polls == 2 * s.polls);
    BOOST_TEST(sum.byCommand.at("guest-exec-status").calls == 12u);
    BOOST_TEST(sum.byCommand.at("guest-exec-status").fastest.count() == status.fastest.count());
}

BOOST_AUTO_TEST_CASE(exec_past_its_deadline_kills_the_command) {
    FakeAgent fake;
    fake.pollsUntilExit = 1000000;
    guest::Agent agent(fake);
    auto t0 = std::chrono::steady_clock::now();
    BOOST_CHECK_EXCEPTION(agent.run("sleep 100", 300ms), util::TimeoutError, [](const util::TimeoutError& e) {
        return std::string(e.what()).find("`sleep 100` did not finish within 0.3 s") != std::string::npos;
    });
    BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 2.0);
    // The last command sent kills the process tree of the first exec's pid.
    const auto& kill = fake.sent.back();
    BOOST_TEST(kill["execute"] == "guest-exec");
    BOOST_TEST(kill["arguments"]["arg"][1].get<std::string>().find("kill -9") != std::string::npos);
    BOOST_TEST(kill["arguments"]["arg"][1].get<std::string>().find(" t 101") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(large_stdin_is_refused) {
    FakeAgent fake;
    guest::Agent agent(fake);
    BOOST_CHECK_THROW(agent.run("cat", 1s, std::string(65 * 1024, 'x')), util::InputError);
    BOOST_TEST(fake.sent.empty());
}

BOOST_AUTO_TEST_CASE(files_move_in_chunks) {
    FakeAgent fake;
    guest::AgentOptions options;
    options.readChunk = 1000;
    options.writeChunk = 300;
    guest::Agent agent(fake, options);
    std::string data;
    for (int i = 0; i < 2500; ++i) {
        data += static_cast<char>(i * 7);
    }
    agent.writeFile("/tmp/x", data);
    BOOST_TEST(fake.files["/tmp/x"] == data);
    BOOST_TEST(fake.count("guest-file-write") == 9u); // ceil(2500 / 300)
    BOOST_TEST(agent.readFile("/tmp/x") == data);
    BOOST_TEST(fake.count("guest-file-read") == 3u); // 1000 + 1000 + 500 (eof)
    BOOST_TEST(fake.closed.size() == 2u);
    agent.writeFile("/tmp/empty", "");
    BOOST_TEST(agent.readFile("/tmp/empty").empty());
}

BOOST_AUTO_TEST_CASE(file_errors_carry_context_and_close_the_handle) {
    FakeAgent fake;
    guest::Agent agent(fake);
    try {
        agent.readFile("/missing");
        BOOST_ERROR("no exception");
    } catch (const vm::AgentCommandError& e) {
        BOOST_TEST(std::string(e.what()).find("while reading guest file /missing") != std::string::npos);
    }
    fake.failWrites = true;
    BOOST_CHECK_THROW(agent.writeFile("/tmp/y", "data"), vm::AgentCommandError);
    BOOST_TEST(fake.closed.size() == 1u);
}

BOOST_AUTO_TEST_CASE(set_time_sends_nanoseconds) {
    FakeAgent fake;
    guest::Agent agent(fake);
    agent.setTime(std::chrono::system_clock::time_point(std::chrono::seconds(1893456000)));
    BOOST_TEST(fake.sent.back()["arguments"]["time"].get<std::int64_t>() == 1893456000000000000);
}

BOOST_AUTO_TEST_SUITE_END()
