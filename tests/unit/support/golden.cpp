///@file Golden-file comparison for tests.
#include "golden.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nixdrill::test {

std::filesystem::path sourceRoot() {
    const char* root = std::getenv("NIXDRILL_SOURCE_ROOT");
    return root != nullptr ? std::filesystem::path(root) : std::filesystem::current_path();
}

std::string compareGolden(const std::filesystem::path& relative, const std::string& actual) {
    auto path = sourceRoot() / relative;
    const char* accept = std::getenv("NIXDRILL_ACCEPT");
    if (accept != nullptr && std::string(accept) == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << actual;
        return "";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return "golden file " + path.string() + " is missing (run the tests with NIXDRILL_ACCEPT=1 to create it)";
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string expected = buffer.str();
    if (expected == actual) {
        return "";
    }
    std::istringstream e(expected);
    std::istringstream a(actual);
    std::string el;
    std::string al;
    for (int line = 1;; ++line) {
        bool he = static_cast<bool>(std::getline(e, el));
        bool ha = static_cast<bool>(std::getline(a, al));
        if (!he && !ha) {
            break;
        }
        if (!he || !ha || el != al) {
            return path.string() + ":" + std::to_string(line) + ": expected \"" + (he ? el : "<end>") + "\", got \"" +
                   (ha ? al : "<end>") + "\" (NIXDRILL_ACCEPT=1 to accept)";
        }
    }
    return path.string() + ": differs in line endings";
}

} // namespace nixdrill::test
