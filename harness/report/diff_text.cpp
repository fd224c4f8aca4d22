///@file Human-readable text of structured differences.
#include "report/diff_text.hpp"

namespace nixdrill::report {

namespace {

std::string shortJson(const nlohmann::json& j) {
    std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    constexpr std::size_t limit = 400;
    if (s.size() > limit) {
        s = s.substr(0, limit) + "... (" + std::to_string(s.size()) + " bytes)";
    }
    return s;
}

// Multi-line texts (rendered scripts, unit files) differ somewhere inside: show that line.
std::string firstDifferingLine(const std::string& expected, const std::string& actual) {
    std::size_t line = 1;
    std::size_t e = 0;
    std::size_t a = 0;
    for (;;) {
        auto ee = expected.find('\n', e);
        auto ae = actual.find('\n', a);
        std::string el =
            e > expected.size() ? "" : expected.substr(e, ee == std::string::npos ? std::string::npos : ee - e);
        std::string al =
            a > actual.size() ? "" : actual.substr(a, ae == std::string::npos ? std::string::npos : ae - a);
        bool eEnd = e > expected.size();
        bool aEnd = a > actual.size();
        if (eEnd && aEnd) {
            return "texts differ only in line endings";
        }
        if (eEnd || aEnd || el != al) {
            return "texts differ at line " + std::to_string(line) + ": expected " +
                   (eEnd ? std::string("end of text") : shortJson(el)) + ", got " +
                   (aEnd ? std::string("end of text") : shortJson(al));
        }
        e = ee == std::string::npos ? expected.size() + 1 : ee + 1;
        a = ae == std::string::npos ? actual.size() + 1 : ae + 1;
        ++line;
    }
}

} // namespace

std::string formatMismatches(const std::vector<model::Mismatch>& mismatches) {
    std::string out;
    for (const auto& m : mismatches) {
        out += m.pointer + ": ";
        if (m.expected && m.actual && m.expected->is_string() && m.actual->is_string() &&
            (m.expected->get_ref<const std::string&>().find('\n') != std::string::npos ||
             m.actual->get_ref<const std::string&>().find('\n') != std::string::npos)) {
            out += firstDifferingLine(m.expected->get<std::string>(), m.actual->get<std::string>());
        } else if (m.expected && m.actual) {
            out += "expected " + shortJson(*m.expected) + ", got " + shortJson(*m.actual);
        } else if (m.expected) {
            out += "expected " + shortJson(*m.expected) + ", got nothing";
        } else if (m.actual) {
            out += "not expected, got " + shortJson(*m.actual);
        }
        if (!m.note.empty() && m.note != "missing" && m.note != "unexpected") {
            out += " (" + m.note + ")";
        }
        out += '\n';
    }
    return out;
}

} // namespace nixdrill::report
