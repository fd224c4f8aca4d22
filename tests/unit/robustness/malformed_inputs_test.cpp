///@file Malformed inputs across every layer that reads outside data: precise errors, never a crash or hang.
/// precise message, never a crash or a hang.
#include "engine/steps/registry.hpp"
#include "guest/agent_protocol.hpp"
#include "nixeval/evaluator.hpp"
#include "report/json_report.hpp"
#include "scenario/parser.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "verify/manifest.hpp"
#include "verify/restic.hpp"
#include "vm/libvirt_error.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <sys/stat.h>

using namespace nixdrill;
namespace protocol = guest::protocol;

namespace {

enum class Kind { Input, System, Timeout, AgentCommand };

const char* kindName(Kind k) {
    switch (k) {
    case Kind::Input:
        return "InputError";
    case Kind::System:
        return "SystemError";
    case Kind::Timeout:
        return "TimeoutError";
    case Kind::AgentCommand:
        return "AgentCommandError";
    }
    return "?";
}

bool isKind(const util::Error& e, Kind k) {
    switch (k) {
    case Kind::Input:
        return dynamic_cast<const util::InputError*>(&e) != nullptr;
    case Kind::System:
        return dynamic_cast<const util::SystemError*>(&e) != nullptr;
    case Kind::Timeout:
        return dynamic_cast<const util::TimeoutError*>(&e) != nullptr;
    case Kind::AgentCommand:
        return dynamic_cast<const vm::AgentCommandError*>(&e) != nullptr;
    }
    return false;
}

struct Row {
    std::string name;
    Kind kind;
    std::string message; ///< substring of the message: the location (line:column, pointer) and the reason
    std::function<void()> run;
};

std::ostream& operator<<(std::ostream& out, const Row& row) {
    return out << row.name;
}

const std::string header = R"("format": "nixdrill-scenario/1")";

void scenario(const std::string& text) {
    (void)scenario::parseScenario(text, "s.json", "g", nixdrill::engine::steps::catalogue());
}

// A scenario with a drill section.
std::string drill(const std::string& body) {
    return "{" + header + R"(, "services": {"a": {}}, "backup": {}, "drill": )" + body + "}";
}

void nixOutput(const std::string& text, std::size_t expected) {
    (void)nixeval::decodeBatchResults(text, expected);
}

void runResult(const std::string& text) {
    (void)report::runResultFromJson(nlohmann::json::parse(text));
}

const std::string goodRunStart = R"({"format": "nixdrill-run/1", "runId": "r", "command": "eval")";

std::string sha(char c) {
    return std::string(64, c);
}

std::string records(std::initializer_list<std::string> fields) {
    std::string out;
    for (const auto& f : fields) {
        out += f;
        out += '\0';
    }
    return out;
}

// A stand-in nix/ whose lib blocks forever reading a FIFO nobody writes: a hang with no CPU or
// memory cost, which only the deadline can end.
void nixThatHangs() {
    util::TempDir dir("nixdrill-hang-");
    std::filesystem::create_directories(dir.path() / "eval");
    std::filesystem::create_directories(dir.path() / "lib");
    const char* root = std::getenv("NIXDRILL_SOURCE_ROOT");
    std::filesystem::copy_file(std::filesystem::path(root ? root : ".") / "nix/eval/batch.nix",
                               dir.path() / "eval/batch.nix");
    auto fifo = dir.path() / "never-written";
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
        throw std::runtime_error("mkfifo failed");
    }
    util::writeFileAtomic(dir.path() / "lib/default.nix",
                          "{ validate = s: [ ]; collect = s: builtins.readFile " + fifo.string() + "; }");
    nixeval::NixEvaluator ev({dir.path(), "nix-instantiate", std::chrono::seconds(2)});
    (void)ev.evaluate({{"hang", nlohmann::ordered_json::object(), std::nullopt, std::nullopt}});
}

std::string deepScenario(std::size_t levels) {
    std::string text = "{" + header + R"(, "services": {"a": {"x": )";
    text += std::string(levels, '[') + std::string(levels, ']');
    return text + "}}}";
}

// ~20 MB: a valid scenario padded by a long description, with an unknown key at the very end.
std::string hugeScenario() {
    return "{" + header + R"(, "services": {}, "description": ")" + std::string(20u << 20, 'x') + R"(", "bogus": 1})";
}

// An input that crashed a fuzz target, kept in the seed corpus (fuzz/corpus/<target>/crash-*).
std::string fuzzCrash(const std::string& target, const std::string& name) {
    const char* root = std::getenv("NIXDRILL_SOURCE_ROOT");
    return util::readFile(std::filesystem::path(root ? root : ".") / "fuzz/corpus" / target / name);
}

const std::vector<Row> rows = {
    // --- scenarios: syntax, with line:column
    {"scenario truncated", Kind::Input, "s.json:3:16: syntax error",
     [] { scenario("{\n" + header + ",\n  \"services\": {"); }},
    {"scenario empty file", Kind::Input, "s.json:1:1: syntax error", [] { scenario(""); }},
    {"scenario invalid UTF-8 in a string", Kind::Input,
     "s.json:1:", [] { scenario("{" + header + ", \"name\": \"a\xff\"}"); }},
    {"scenario invalid UTF-8 (overlong)", Kind::Input, "ill-formed UTF-8",
     [] { scenario("{\"name\": \"\xc0\xaf\"}"); }},
    {"scenario lone surrogate escape", Kind::Input, "surrogate", [] { scenario(R"({"name": "\ud800"})"); }},
    {"scenario trailing garbage", Kind::Input, "s.json:1:", [] { scenario("{" + header + R"(, "services": {}} x)"); }},
    {"scenario 100000 levels deep", Kind::Input, "s.json:1:", [] { scenario(deepScenario(100000)); }},
    {"scenario deep nesting names the limit", Kind::Input, "nested deeper than 512 levels",
     [] { scenario(deepScenario(600)); }},
    {"scenario 20 MB", Kind::Input, "s.json: /bogus: unknown key", [] { scenario(hugeScenario()); }},
    {"scenario missing file", Kind::System, "cannot read '/nonexistent/nixdrill/s.json'",
     [] {
         (void)scenario::loadScenarioFile("/nonexistent/nixdrill/s.json", "g", nixdrill::engine::steps::catalogue());
     }},
    {"scenario number beyond a double", Kind::Input, "s.json: number overflow parsing '1e400'",
     [] { scenario("{" + header + R"(, "services": {"a": {"n": 1e400}}})"); }},
    {"fuzz crash: scenario with 1e400", Kind::Input, "fuzz.json: number overflow parsing '1e400'",
     [] {
         (void)scenario::parseScenario(fuzzCrash("scenario", "crash-number-overflow.json"), "fuzz.json", "g",
                                       nixdrill::engine::steps::catalogue());
     }},
    // --- scenarios: content, with JSON pointers
    {"scenario not an object", Kind::Input, "s.json: /: a scenario is a JSON object, got a array",
     [] { scenario("[]"); }},
    {"scenario format of the wrong type", Kind::Input, "s.json: /format: expected a string, got an integer",
     [] { scenario(R"({"format": 1, "services": {}})"); }},
    {"scenario unknown top-level key", Kind::Input, "s.json: /colour: unknown key",
     [] { scenario("{" + header + R"(, "services": {}, "colour": "red"})"); }},
    {"scenario unknown key with a slash", Kind::Input, "s.json: /a~1b: unknown key",
     [] { scenario("{" + header + R"(, "a/b": 1})"); }},
    {"scenario services a list", Kind::Input, "s.json: /services: expected an object of service contracts, got a array",
     [] { scenario("{" + header + R"(, "services": []})"); }},
    {"scenario contract a number", Kind::Input,
     "s.json: /services/db: expected an object (a service contract), got an integer",
     [] { scenario("{" + header + R"(, "services": {"db": 3}})"); }},
    {"scenario unknown expect section", Kind::Input, "s.json: /expect/bogus: unknown section",
     [] { scenario("{" + header + R"(, "services": {}, "expect": {"bogus": {}}})"); }},
    {"scenario expectError with a number", Kind::Input, "s.json: /expectError/1: expected a string, got an integer",
     [] { scenario("{" + header + R"(, "services": {}, "expectError": ["a", 2]})"); }},
    {"scenario container not an object", Kind::Input, "s.json: /containers/c: expected an object",
     [] { scenario("{" + header + R"(, "services": {}, "containers": {"c": true}})"); }},
    {"drill unknown key", Kind::Input, "s.json: /drill/colour: unknown key",
     [] { scenario(drill(R"({"colour": 1})")); }},
    {"drill unknown timeouts key", Kind::Input, "s.json: /drill/timeouts/idle: unknown key",
     [] { scenario(drill(R"({"timeouts": {"idle": 5}})")); }},
    {"drill unknown step key", Kind::Input, "s.json: /drill/steps/0/when: unknown key",
     [] { scenario(drill(R"({"steps": [{"action": "backup", "when": 1}]})")); }},
    {"drill memory a string", Kind::Input, "s.json: /drill/memoryMiB: expected an integer, got a string",
     [] { scenario(drill(R"({"memoryMiB": "1G"})")); }},
    {"drill memory out of range", Kind::Input,
     "s.json: /drill/memoryMiB: must be between 256 and 16384, got 18446744073709551615",
     [] { scenario(drill(R"({"memoryMiB": 18446744073709551615})")); }},
    {"drill seed negative", Kind::Input, "s.json: /drill/seed: expected a non-negative integer",
     [] { scenario(drill(R"({"seed": -1})")); }},
    // --- Nix: the batch output decoder, the process, the deadline
    {"nix output not JSON", Kind::System, "not JSON at 1:8", [] { nixOutput("[{\"id\" x", 1); }},
    {"nix output truncated", Kind::System, "not JSON at 1:", [] { nixOutput(R"([{"id": "a", "status": "ok")", 1); }},
    {"nix output too few results", Kind::System, "returned 1 results for 2 requests",
     [] { nixOutput(R"([{"status": "threw"}])", 2); }},
    {"nix output an object", Kind::System, "returned a JSON object for 1 requests",
     [] { nixOutput(R"({"a": 1})", 1); }},
    {"nix output entry not an object", Kind::System, "output /0: expected an object, got a number",
     [] { nixOutput("[3]", 1); }},
    {"nix output status missing", Kind::System, "output /1/status: missing or not a string",
     [] { nixOutput(R"([{"status": "threw"}, {"id": "b"}])", 2); }},
    {"nix output invalid without errors", Kind::System, "output /0/errors: missing or not a list",
     [] { nixOutput(R"([{"status": "invalid", "errors": "x"}])", 1); }},
    {"nix output unknown status", Kind::System, "output /0/status: unknown status \"maybe\"",
     [] { nixOutput(R"([{"status": "maybe"}])", 1); }},
    {"nix output number beyond a double", Kind::System, "number overflow parsing '2e400'",
     [] { nixOutput("2e400", 1); }},
    {"fuzz crash: nix output 2e400", Kind::System, "number overflow parsing '2e400'",
     [] { nixOutput(fuzzCrash("nix-output", "crash-number-overflow.json"), 1); }},
    {"nix-instantiate missing", Kind::System, "cannot start /nonexistent/nix-instantiate",
     [] {
         nixeval::NixEvaluator ev({"/nonexistent", "/nonexistent/nix-instantiate", std::chrono::seconds(5)});
         (void)ev.evaluate({{"a", nlohmann::ordered_json::object(), std::nullopt, std::nullopt}});
     }},
    {"nix evaluation that never ends", Kind::Timeout, "did not finish within 2 s and was killed", nixThatHangs},
    // --- guest agent replies
    {"agent reply garbage", Kind::System, "guest agent reply is not a JSON object: \x01garbage",
     [] { (void)protocol::decodeReply("\x01garbage"); }},
    {"agent reply truncated", Kind::System, "not a JSON object: {\"return\": {\"pid\"",
     [] { (void)protocol::decodeReply(R"({"return": {"pid")"); }},
    {"agent reply without return", Kind::System, "guest agent reply has no 'return'",
     [] { (void)protocol::decodeReply(R"({"QMP": 1})"); }},
    {"agent error of the wrong shape", Kind::AgentCommand, "guest agent error : 5",
     [] { (void)protocol::decodeReply(R"({"error": 5})"); }},
    {"agent error fields of the wrong type", Kind::AgentCommand,
     "guest agent error : ", [] { (void)protocol::decodeReply(R"({"error": {"class": 1, "desc": ["x"]}})"); }},
    {"agent pid a string", Kind::System, "reply to guest-exec: expected an integer, got \"42\"",
     [] { (void)protocol::decodeExecPid(protocol::decodeReply(R"({"return": {"pid": "42"}})")); }},
    {"agent exit code a huge float", Kind::System, "reply to guest-exec-status: expected an integer, got 1e+300",
     [] { (void)protocol::decodeExecStatus(nlohmann::json::parse(R"({"exited": true, "exitcode": 1e300})")); }},
    {"agent exit code beyond int", Kind::System, "expected an integer, got 4294967296",
     [] { (void)protocol::decodeExecStatus(nlohmann::json::parse(R"({"exited": true, "exitcode": 4294967296})")); }},
    {"agent exited a string", Kind::System, "malformed guest agent reply to guest-exec-status (",
     [] { (void)protocol::decodeExecStatus(nlohmann::json::parse(R"({"exited": "yes"})")); }},
    {"agent output not base64", Kind::Input, "invalid base64",
     [] { (void)protocol::decodeExecStatus(nlohmann::json::parse(R"({"exited": true, "out-data": "abc"})")); }},
    {"agent file read count mismatch", Kind::System, "guest-file-read: reply says 5 bytes but carries 3",
     [] { (void)protocol::decodeFileRead(nlohmann::json::parse(R"({"count": 5, "eof": true, "buf-b64": "YWJj"})")); }},
    {"agent file read negative count", Kind::System, "reply to guest-file-read: expected an integer, got -1",
     [] { (void)protocol::decodeFileRead(nlohmann::json::parse(R"({"count": -1, "eof": true})")); }},
    {"agent file handle a float", Kind::System, "reply to guest-file-open: expected an integer, got 1.5",
     [] { (void)protocol::decodeFileHandle(nlohmann::json::parse("1.5")); }},
    // --- manifest output
    {"manifest truncated inside a field", Kind::Input, "manifest output ends inside a field (truncated?)",
     [] {
         (void)verify::parseManifest(records({"E", "f", "644"}) + "0");
     }},
    {"manifest truncated record", Kind::Input, "manifest record 1 ('E') is truncated",
     [] {
         (void)verify::parseManifest(records({"M", "/gone", "E", "f", "644", "0"}));
     }},
    {"manifest bad mode", Kind::Input, "manifest record 0: bad mode '9'",
     [] {
         (void)verify::parseManifest(records({"E", "f", "9", "0", "0", "1", "./a", ""}));
     }},
    {"manifest unknown tag", Kind::Input, "manifest record 0: unknown tag 'Z'",
     [] { (void)verify::parseManifest(records({"Z"})); }},
    {"manifest bad sha256", Kind::Input, "manifest record 0: bad sha256 'XYZ'",
     [] {
         (void)verify::parseManifest(records({"H", "XYZ", "./a"}));
     }},
    {"manifest file without its hash", Kind::Input, "manifest: file '/a' has no sha256 record",
     [] {
         (void)verify::parseManifest(records({"E", "f", "644", "0", "0", "1", "./a", "", "H", sha('0'), "./b"}));
     }},
    // --- restic snapshots --json
    {"restic snapshots truncated", Kind::Input, "restic snapshots --json: not JSON (truncated?)",
     [] { (void)verify::parseSnapshots(R"([{"id": "abc", "time": "2026-)"); }},
    {"restic snapshots an object", Kind::Input, "restic snapshots --json: expected a list",
     [] { (void)verify::parseSnapshots(R"({"id": "abc"})"); }},
    {"restic snapshot without time", Kind::Input, "restic snapshots --json: /1 has no id and time",
     [] { (void)verify::parseSnapshots(R"([{"id": "a", "time": "t"}, {"id": "b", "time": 5}])"); }},
    {"restic snapshots number beyond a double", Kind::Input, "not JSON (truncated?): [json.exception.out_of_range.406]",
     [] { (void)verify::parseSnapshots(R"([{"id": "a", "time": "t", "n": -1e999}])"); }},
    {"restic ls node without a path", Kind::Input, "restic ls --json: line 3 has no absolute path",
     [] { (void)verify::parseNodes("5\n[1]\n{\"struct_type\": \"node\", \"path\": 7}\n"); }},
    {"restic ls size a float", Kind::Input, "restic ls --json: line 2: /size is not a non-negative integer",
     [] {
         (void)verify::parseNodes("{\"struct_type\": \"snapshot\"}\n"
                                  R"({"struct_type": "node", "path": "/a", "size": 1e300})");
     }},
    // --- stored run results
    {"run result not an object", Kind::Input, "/: a stored run result is a JSON object", [] { runResult("[]"); }},
    {"run result without format", Kind::Input, "/format: missing", [] { runResult(R"({"runId": "r"})"); }},
    {"run result other format", Kind::Input, "/format: unsupported run result format \"nixdrill-run/2\"",
     [] { runResult(R"({"format": "nixdrill-run/2"})"); }},
    {"run result runId a number", Kind::Input, "/runId: has the wrong type (number)",
     [] { runResult(R"({"format": "nixdrill-run/1", "runId": 7, "command": "eval"})"); }},
    {"run result properties not strings", Kind::Input, "/properties/k: expected a string",
     [] { runResult(goodRunStart + R"(, "properties": {"k": 1}})"); }},
    {"run result suites an object", Kind::Input, "/suites: expected a list",
     [] { runResult(goodRunStart + R"(, "suites": {}})"); }},
    {"run result suite a string", Kind::Input, "/suites/0/name: missing",
     [] { runResult(goodRunStart + R"(, "suites": ["s"]})"); }},
    {"run result bad outcome", Kind::Input, "/suites/0/cases/0/outcome: not one of passed, failed, broken, skipped",
     [] {
         runResult(goodRunStart +
                   R"(, "suites": [{"name": "s", "cases": [{"name": "c", "classname": "s", "outcome": "meh"}]}]})");
     }},
    {"run result mismatch without pointer", Kind::Input, "/suites/0/cases/0/mismatches/0/pointer: missing",
     [] {
         runResult(
             goodRunStart +
             R"(, "suites": [{"name": "s", "cases": [{"name": "c", "classname": "s", "outcome": "failed", "mismatches": [{}]}]}]})");
     }},
    {"run result duration a string", Kind::Input, "/suites/0/durationSeconds: has the wrong type (string)",
     [] { runResult(goodRunStart + R"(, "suites": [{"name": "s", "durationSeconds": "1s"}]})"); }},
};

} // namespace

BOOST_AUTO_TEST_SUITE(robustness_malformed_inputs)

BOOST_AUTO_TEST_CASE(the_table_covers_every_layer) {
    BOOST_TEST(rows.size() >= 30u);
}

BOOST_DATA_TEST_CASE(malformed_input_is_a_precise_error, boost::unit_test::data::make(rows), row) {
    try {
        row.run();
        BOOST_ERROR(row.name << ": no error");
    } catch (const util::Error& e) {
        BOOST_TEST(isKind(e, row.kind), row.name << ": expected " << kindName(row.kind) << ", got " << e.describe());
        BOOST_TEST(e.describe().find(row.message) != std::string::npos,
                   row.name << ": '" << row.message << "' not in: " << e.describe().substr(0, 400));
    }
    // Anything else (a nlohmann exception, std::bad_alloc) escapes and fails the row.
}

// Regressions found while building the table.

BOOST_AUTO_TEST_CASE(restic_snapshot_fields_of_other_types_are_ignored) {
    // Used to escape as nlohmann::json::type_error from value("hostname", "").
    auto snaps = verify::parseSnapshots(R"([{"id": "a", "time": "t", "hostname": 7, "paths": "/x"}])");
    BOOST_REQUIRE(snaps.size() == 1u);
    BOOST_TEST(snaps[0].hostname == "");
    BOOST_TEST(snaps[0].paths.empty());
}

BOOST_AUTO_TEST_CASE(restic_ls_lines_of_other_shapes_are_skipped) {
    // Used to escape as nlohmann::json::type_error from value("struct_type", "") on a non-object.
    auto nodes = verify::parseNodes("5\n[1]\n\"x\"\n{\"struct_type\": \"node\", \"path\": \"/a\", \"size\": 3}\n");
    BOOST_REQUIRE(nodes.size() == 1u);
    BOOST_TEST(nodes[0].size == 3u);
}

BOOST_AUTO_TEST_CASE(nix_output_decodes_each_status) {
    auto out = nixeval::decodeBatchResults(
        R"([{"status": "ok", "value": {"v": 1}}, {"status": "threw"}, {"status": "invalid", "errors": ["a", 2]}])", 3);
    BOOST_REQUIRE(out.size() == 3u);
    BOOST_TEST((out[0] && out[0]->status == nixeval::EvalStatus::Ok && out[0]->value["v"] == 1));
    BOOST_TEST(!out[1]);
    BOOST_TEST((out[2] && out[2]->status == nixeval::EvalStatus::Invalid && out[2]->message == "a\n2"));
}

BOOST_AUTO_TEST_CASE(nesting_below_the_limit_still_parses) {
    // 500 levels inside a contract: deep, but legal.
    auto s = scenario::parseScenario(deepScenario(500), "s.json", "g", nixdrill::engine::steps::catalogue());
    BOOST_TEST(s.services.contains("a"));
}

BOOST_AUTO_TEST_SUITE_END()
