///@file RunResult <-> JSON.
#include "report/json_report.hpp"

#include "util/error.hpp"

namespace nixdrill::report {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json mismatchJson(const model::Mismatch& m) {
    ordered_json j;
    j["pointer"] = m.pointer;
    if (m.expected) {
        j["expected"] = *m.expected;
    }
    if (m.actual) {
        j["actual"] = *m.actual;
    }
    if (!m.note.empty()) {
        j["note"] = m.note;
    }
    return j;
}

template <typename T> T field(const json& j, const char* key, const std::string& pointer) {
    if (!j.is_object() || !j.contains(key)) {
        throw util::InputError(pointer + "/" + key + ": missing");
    }
    try {
        return j.at(key).get<T>();
    } catch (const json::exception&) {
        throw util::InputError(pointer + "/" + key + ": has the wrong type (" + j.at(key).type_name() + ")");
    }
}

template <typename T> T optionalField(const json& j, const char* key, const std::string& pointer, T fallback) {
    if (!j.is_object() || !j.contains(key)) {
        return fallback;
    }
    return field<T>(j, key, pointer);
}

const json& arrayField(const json& j, const char* key, const std::string& pointer) {
    static const json empty = json::array();
    if (!j.contains(key)) {
        return empty;
    }
    if (!j.at(key).is_array()) {
        throw util::InputError(pointer + "/" + key + ": expected a list");
    }
    return j.at(key);
}

// runResultFromJson, one level of the document per function; the pointer argument is where the
// value sits, for the messages. Each reads its fields in a fixed order: the first bad one is reported.

/// The "properties" object of the run or of a case at pointer `p`: strings by name.
std::map<std::string, std::string> propertiesFromJson(const json& j, const std::string& p) {
    std::map<std::string, std::string> properties;
    if (!j.contains("properties")) {
        return properties;
    }
    if (!j["properties"].is_object()) {
        throw util::InputError(p + "/properties: expected an object");
    }
    for (const auto& [k, v] : j["properties"].items()) {
        if (!v.is_string()) {
            throw util::InputError(p + "/properties/" + k + ": expected a string");
        }
        properties[k] = v.get<std::string>();
    }
    return properties;
}

model::Mismatch mismatchFromJson(const json& mj, const std::string& mp) {
    model::Mismatch m;
    m.pointer = field<std::string>(mj, "pointer", mp);
    if (mj.contains("expected")) {
        m.expected = mj["expected"];
    }
    if (mj.contains("actual")) {
        m.actual = mj["actual"];
    }
    m.note = optionalField<std::string>(mj, "note", mp, "");
    return m;
}

model::Attempt attemptFromJson(const json& aj, const std::string& ap) {
    model::Attempt a;
    auto attemptOutcome = model::outcomeFromString(field<std::string>(aj, "outcome", ap));
    if (attemptOutcome != model::Outcome::Failed && attemptOutcome != model::Outcome::Broken) {
        throw util::InputError(ap + "/outcome: a failed attempt is failed or broken");
    }
    a.outcome = *attemptOutcome;
    a.durationSeconds = optionalField<double>(aj, "durationSeconds", ap, 0);
    a.message = field<std::string>(aj, "message", ap);
    a.output = optionalField<std::string>(aj, "output", ap, "");
    return a;
}

model::CaseResult caseFromJson(const json& cj, const std::string& cp) {
    model::CaseResult c;
    c.name = field<std::string>(cj, "name", cp);
    c.classname = field<std::string>(cj, "classname", cp);
    c.scenario = optionalField<std::string>(cj, "scenario", cp, c.name);
    c.kind = optionalField<std::string>(cj, "kind", cp, "");
    auto outcome = model::outcomeFromString(field<std::string>(cj, "outcome", cp));
    if (!outcome) {
        throw util::InputError(cp + "/outcome: not one of passed, failed, broken, skipped");
    }
    c.outcome = *outcome;
    c.durationSeconds = optionalField<double>(cj, "durationSeconds", cp, 0);
    c.message = optionalField<std::string>(cj, "message", cp, "");
    c.output = optionalField<std::string>(cj, "output", cp, "");
    const auto& ms = arrayField(cj, "mismatches", cp);
    for (std::size_t mi = 0; mi < ms.size(); ++mi) {
        c.mismatches.push_back(mismatchFromJson(ms[mi], cp + "/mismatches/" + std::to_string(mi)));
    }
    const auto& as = arrayField(cj, "failedAttempts", cp);
    for (std::size_t ai = 0; ai < as.size(); ++ai) {
        c.failedAttempts.push_back(attemptFromJson(as[ai], cp + "/failedAttempts/" + std::to_string(ai)));
    }
    c.properties = propertiesFromJson(cj, cp);
    // "attempts" is derived (written only for retried cases): it must agree with the list.
    if (cj.contains("attempts") && optionalField<double>(cj, "attempts", cp, 0) != c.attempts()) {
        throw util::InputError(cp + "/attempts: says " + cj["attempts"].dump() + " but " +
                               std::to_string(c.failedAttempts.size()) + " failed attempt(s) are listed");
    }
    return c;
}

model::SuiteResult suiteFromJson(const json& sj, const std::string& sp) {
    model::SuiteResult s;
    s.name = field<std::string>(sj, "name", sp);
    s.file = optionalField<std::string>(sj, "file", sp, "");
    s.timestamp = optionalField<std::string>(sj, "timestamp", sp, "");
    s.durationSeconds = optionalField<double>(sj, "durationSeconds", sp, 0);
    const auto& cases = arrayField(sj, "cases", sp);
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        s.cases.push_back(caseFromJson(cases[ci], sp + "/cases/" + std::to_string(ci)));
    }
    return s;
}

} // namespace

ordered_json toJson(const model::RunResult& run) {
    ordered_json j;
    j["format"] = runResultFormat;
    j["runId"] = run.runId;
    j["command"] = run.command;
    j["startedAt"] = run.startedAt;
    j["durationSeconds"] = run.durationSeconds;
    j["properties"] = ordered_json::object();
    for (const auto& [k, v] : run.properties) {
        j["properties"][k] = v;
    }
    auto counts = run.counts();
    j["counts"] = {{"passed", counts.passed},   {"failed", counts.failed}, {"broken", counts.broken},
                   {"skipped", counts.skipped}, {"flaky", counts.flaky},   {"total", counts.total()}};
    j["suites"] = ordered_json::array();
    for (const auto& s : run.suites) {
        ordered_json sj;
        sj["name"] = s.name;
        sj["file"] = s.file;
        sj["timestamp"] = s.timestamp;
        sj["durationSeconds"] = s.durationSeconds;
        sj["cases"] = ordered_json::array();
        for (const auto& c : s.cases) {
            ordered_json cj;
            cj["name"] = c.name;
            cj["classname"] = c.classname;
            cj["scenario"] = c.scenario;
            cj["kind"] = c.kind;
            cj["outcome"] = std::string(model::toString(c.outcome));
            cj["durationSeconds"] = c.durationSeconds;
            if (!c.message.empty()) {
                cj["message"] = c.message;
            }
            if (!c.mismatches.empty()) {
                cj["mismatches"] = ordered_json::array();
                for (const auto& m : c.mismatches) {
                    cj["mismatches"].push_back(mismatchJson(m));
                }
            }
            if (!c.output.empty()) {
                cj["output"] = c.output;
            }
            if (!c.properties.empty()) {
                cj["properties"] = c.properties;
            }
            if (!c.failedAttempts.empty()) {
                // Present only for retried cases, so a clean pass reads exactly as before.
                cj["attempts"] = c.attempts();
                cj["flaky"] = c.flaky();
                cj["failedAttempts"] = ordered_json::array();
                for (const auto& a : c.failedAttempts) {
                    ordered_json aj;
                    aj["outcome"] = std::string(model::toString(a.outcome));
                    aj["durationSeconds"] = a.durationSeconds;
                    aj["message"] = a.message;
                    if (!a.output.empty()) {
                        aj["output"] = a.output;
                    }
                    cj["failedAttempts"].push_back(std::move(aj));
                }
            }
            sj["cases"].push_back(std::move(cj));
        }
        j["suites"].push_back(std::move(sj));
    }
    return j;
}

model::RunResult runResultFromJson(const json& j) {
    if (!j.is_object()) {
        throw util::InputError("/: a stored run result is a JSON object");
    }
    auto format = field<std::string>(j, "format", "");
    if (format != runResultFormat) {
        throw util::InputError("/format: unsupported run result format \"" + format + "\" (this nixdrill reads \"" +
                               runResultFormat + "\")");
    }
    model::RunResult run;
    run.runId = field<std::string>(j, "runId", "");
    run.command = field<std::string>(j, "command", "");
    run.startedAt = optionalField<std::string>(j, "startedAt", "", "");
    run.durationSeconds = optionalField<double>(j, "durationSeconds", "", 0);
    run.properties = propertiesFromJson(j, "");
    const auto& suites = arrayField(j, "suites", "");
    for (std::size_t si = 0; si < suites.size(); ++si) {
        run.suites.push_back(suiteFromJson(suites[si], "/suites/" + std::to_string(si)));
    }
    return run;
}

} // namespace nixdrill::report
