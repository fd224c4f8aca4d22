///@file JUnit XML via pugixml.
#include "report/junit.hpp"

#include "report/diff_text.hpp"

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

namespace nixdrill::report {

namespace {

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
    return buf;
}

void setCounts(pugi::xml_node node, const model::Counts& c, double duration) {
    node.append_attribute("tests") = static_cast<unsigned long long>(c.total());
    node.append_attribute("failures") = static_cast<unsigned long long>(c.failed);
    node.append_attribute("errors") = static_cast<unsigned long long>(c.broken);
    node.append_attribute("skipped") = static_cast<unsigned long long>(c.skipped);
    node.append_attribute("time") = seconds(duration).c_str();
}

std::string firstLine(const std::string& text) {
    auto nl = text.find('\n');
    return xmlSafeText(nl == std::string::npos ? text : text.substr(0, nl));
}

// renderJunit's elements, one function per element group, appended in document order.

/// The <failure>, <error> or <skipped> element of a case that did not pass: its message's
/// first line as the attribute, the whole message and the diff as the text.
void appendVerdict(pugi::xml_node tc, const model::CaseResult& c, const std::string& diff) {
    const char* element = nullptr;
    switch (c.outcome) {
    case model::Outcome::Failed:
        element = "failure";
        break;
    case model::Outcome::Broken:
        element = "error";
        break;
    case model::Outcome::Skipped:
        element = "skipped";
        break;
    case model::Outcome::Passed:
        break;
    }
    if (element == nullptr) {
        return;
    }
    auto e = tc.append_child(element);
    e.append_attribute("message") = firstLine(c.message).c_str();
    if (c.outcome != model::Outcome::Skipped) {
        e.append_attribute("type") = c.outcome == model::Outcome::Failed ? "Failed" : "Broken";
        std::string body = c.message;
        if (!diff.empty()) {
            body += "\n" + diff;
        }
        e.text().set(xmlSafeText(body).c_str());
    }
}

/// Earlier attempts of a retried case, as Maven Surefire writes reruns: flakyFailure /
/// flakyError inside a case that passed at last, rerunFailure / rerunError inside one that did
/// not. CI tools that know the convention show the case as flaky.
void appendFailedAttempts(pugi::xml_node tc, const model::CaseResult& c) {
    for (const auto& a : c.failedAttempts) {
        bool broken = a.outcome == model::Outcome::Broken;
        const char* name = c.outcome == model::Outcome::Passed ? (broken ? "flakyError" : "flakyFailure")
                                                               : (broken ? "rerunError" : "rerunFailure");
        auto e = tc.append_child(name);
        e.append_attribute("message") = firstLine(a.message).c_str();
        e.append_attribute("type") = broken ? "Broken" : "Failed";
        e.append_attribute("time") = seconds(a.durationSeconds).c_str();
        e.append_child("stackTrace").text().set(xmlSafeText(a.message).c_str());
        if (!a.output.empty()) {
            e.append_child("system-out").text().set(xmlSafeText(a.output).c_str());
        }
    }
}

void appendCase(pugi::xml_node ts, const model::SuiteResult& suite, const model::CaseResult& c) {
    auto tc = ts.append_child("testcase");
    tc.append_attribute("name") = xmlSafeText(c.name).c_str();
    tc.append_attribute("classname") = xmlSafeText(c.classname.empty() ? suite.name : c.classname).c_str();
    tc.append_attribute("time") = seconds(c.durationSeconds).c_str();
    if (!suite.file.empty()) {
        tc.append_attribute("file") = xmlSafeText(suite.file).c_str();
    }
    if (!c.properties.empty()) {
        // Per-testcase properties, as JUnit 5's reporter and GitLab/Jenkins read them.
        auto props = tc.append_child("properties");
        for (const auto& [k, v] : c.properties) {
            auto p = props.append_child("property");
            p.append_attribute("name") = xmlSafeText(k).c_str();
            p.append_attribute("value") = xmlSafeText(v).c_str();
        }
    }
    std::string diff = formatMismatches(c.mismatches);
    appendVerdict(tc, c, diff);
    appendFailedAttempts(tc, c);
    std::string out = c.output;
    if (!diff.empty()) {
        out = "diff (JSON pointer: expected vs actual):\n" + diff + (out.empty() ? "" : "\n" + out);
    }
    if (!out.empty()) {
        tc.append_child("system-out").text().set(xmlSafeText(out).c_str());
    }
}

/// A <testsuite>: its counts, the run's properties (repeated in each suite) and its cases.
void appendSuite(pugi::xml_node root, const model::RunResult& run, const model::SuiteResult& suite, int id) {
    auto ts = root.append_child("testsuite");
    ts.append_attribute("name") = xmlSafeText(suite.name).c_str();
    ts.append_attribute("id") = id;
    setCounts(ts, model::countCases(suite.cases), suite.durationSeconds);
    ts.append_attribute("timestamp") = suite.timestamp.c_str();
    if (!suite.file.empty()) {
        ts.append_attribute("file") = xmlSafeText(suite.file).c_str();
    }
    auto props = ts.append_child("properties");
    for (const auto& [k, v] : run.properties) {
        auto p = props.append_child("property");
        p.append_attribute("name") = xmlSafeText(k).c_str();
        p.append_attribute("value") = xmlSafeText(v).c_str();
    }
    for (const auto& c : suite.cases) {
        appendCase(ts, suite, c);
    }
}

} // namespace

std::string xmlSafeText(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool valid = len != 0 && i + len <= n;
        for (std::size_t k = 1; valid && k < len; ++k) {
            valid = (s[i + k] & 0xC0) == 0x80;
        }
        if (valid) {
            // Reject overlong forms and surrogates, which XML parsers refuse too.
            unsigned cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
            for (std::size_t k = 1; k < len; ++k) {
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            valid = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
                    !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF && cp != 0xFFFE && cp != 0xFFFF;
        }
        if (valid) {
            out.append(text, i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string renderJunit(const model::RunResult& run) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";

    auto root = doc.append_child("testsuites");
    root.append_attribute("name") = xmlSafeText("nixdrill " + run.command).c_str();
    setCounts(root, run.counts(), run.durationSeconds);
    root.append_attribute("timestamp") = run.startedAt.c_str();

    int id = 0;
    for (const auto& suite : run.suites) {
        appendSuite(root, run, suite, id++);
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
}

} // namespace nixdrill::report
