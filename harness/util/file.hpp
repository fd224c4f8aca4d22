///@file Whole-file reads, atomic writes and temporary directories.
#pragma once

#include <filesystem>
#include <string>

namespace nixdrill::util {

/// @throws SystemError when the file cannot be read.
std::string readFile(const std::filesystem::path& path);

/// Writes via a temporary file in the same directory, fsync and rename, so readers see the
/// old content or the new one, never a partial file. The temporary file is removed on failure.
/// @throws SystemError when any step fails (the target is then left untouched).
void writeFileAtomic(const std::filesystem::path& path, const std::string& content);

/// A directory removed with everything in it when the object dies.
class TempDir {
public:
    /// PARENT/PREFIXXXXXXX; an empty `parent` is the system's temporary directory.
    /// @throws SystemError when the directory cannot be created.
    explicit TempDir(const std::string& prefix = "nixdrill-", const std::filesystem::path& parent = {});
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace nixdrill::util
