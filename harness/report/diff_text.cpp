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

} // namespace

std::string formatMismatches(const std::vector<model::Mismatch>& mismatches) {
    std::string out;
    for (const auto& m : mismatches) {
        out += m.pointer + ": ";
        if (m.expected && m.actual) {
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
