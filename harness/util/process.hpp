///@file Running subprocesses with captured output and a deadline (Boost.Process).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nixdrill::util {

struct ProcessOptions {
    /// Written to the child's stdin, which is then closed.
    std::string input;
    /// Extra environment variables set on top of the inherited environment.
    std::map<std::string, std::string> environment;
    /// The child is killed when it runs longer than this.
    std::chrono::milliseconds deadline{std::chrono::minutes(5)};
    std::optional<std::string> workingDirectory;
};

struct ProcessResult {
    int exitCode = -1;
    std::string out;
    std::string err;
    std::chrono::duration<double> elapsed{};
};

/// Runs argv[0] (looked up on PATH when it has no slash) and waits for it.
/// @throws SystemError when the program cannot be started.
/// @throws TimeoutError when it outlives options.deadline (the child is killed first).
ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// Makes a write to a pipe or socket whose reader has gone fail with EPIPE (an error the
/// caller reports) instead of SIGPIPE killing the process without reports or cleanup: libvirt
/// writes to libvirtd's socket, runProcess to a child's stdin. A no-op handler, not SIG_IGN, so
/// that children still start with the default action. Idempotent; main calls it first.
void keepBrokenPipesFromKilling();

/// Quotes argv for messages, shell style; never used to run anything.
std::string quoteCommand(const std::vector<std::string>& argv);

} // namespace nixdrill::util
