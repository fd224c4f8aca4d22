///@file Whole-file reads, atomic writes and temporary directories.
#include "util/file.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nixdrill::util {

namespace {
std::string errnoText() {
    return std::strerror(errno);
}
} // namespace

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw SystemError("cannot read '" + path.string() + "': " + errnoText());
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw SystemError("error while reading '" + path.string() + "'");
    }
    return buffer.str();
}

void writeFileAtomic(const std::filesystem::path& path, const std::string& content) {
    auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) {
        throw SystemError("cannot write '" + path.string() + "': cannot create a temporary file in '" + dir.string() +
                          "': " + errnoText());
    }
    auto fail = [&](const std::string& what) {
        std::string reason = errnoText();
        ::close(fd);
        ::unlink(tmpl.c_str());
        throw SystemError("cannot write '" + path.string() + "': " + what + ": " + reason);
    };
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("write failed");
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    // Reports are read by other tools (node_exporter, CI): keep them world-readable like a normal file.
    if (::fchmod(fd, 0644) != 0) {
        fail("chmod failed");
    }
    if (::fsync(fd) != 0) {
        fail("fsync failed");
    }
    if (::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        throw SystemError("cannot write '" + path.string() + "': close failed: " + errnoText());
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        std::string reason = errnoText();
        ::unlink(tmpl.c_str());
        throw SystemError("cannot write '" + path.string() + "': rename failed: " + reason);
    }
}

TempDir::TempDir(const std::string& prefix, const std::filesystem::path& parent) {
    auto dir = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    std::string tmpl = (dir / (prefix + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw SystemError("cannot create a temporary directory: " + errnoText());
    }
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace nixdrill::util
