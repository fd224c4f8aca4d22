///@file Subprocesses through Boost.Process with asio-driven capture and a deadline.
#include "util/process.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <csignal>
#include <future>

namespace bp = boost::process;

namespace nixdrill::util {

namespace {

extern "C" void onBrokenPipe(int) {}

} // namespace

void keepBrokenPipesFromKilling() {
    struct sigaction action {};
    action.sa_handler = onBrokenPipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGPIPE, &action, nullptr);
}

ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw SystemError("runProcess: empty command");
    }
    boost::filesystem::path exe = argv.front();
    if (argv.front().find('/') == std::string::npos) {
        exe = bp::search_path(argv.front());
        if (exe.empty()) {
            throw SystemError("cannot run '" + argv.front() + "': not found on PATH");
        }
    }
    std::vector<std::string> args(argv.begin() + 1, argv.end());

    bp::environment env = boost::this_process::environment();
    for (const auto& [key, value] : options.environment) {
        env[key] = value;
    }

    boost::asio::io_context io;
    std::future<std::string> out;
    std::future<std::string> err;
    bp::async_pipe inPipe(io);
    auto started = std::chrono::steady_clock::now();
    bp::child child;
    try {
        child =
            bp::child(exe, bp::args(args), bp::std_in<inPipe, bp::std_out> out, bp::std_err > err, env,
                      bp::start_dir(options.workingDirectory.value_or(boost::filesystem::current_path().string())), io);
    } catch (const std::exception& e) {
        throw SystemError("cannot start " + quoteCommand(argv) + ": " + e.what());
    }

    // Feed stdin asynchronously so a child that writes a lot before reading cannot deadlock us.
    auto input = std::make_shared<std::string>(options.input);
    boost::asio::async_write(inPipe, boost::asio::buffer(*input),
                             [&inPipe, input](const boost::system::error_code&, std::size_t) { inPipe.close(); });

    io.run_for(options.deadline);
    ProcessResult result;
    if (!io.stopped()) {
        std::error_code ec;
        child.terminate(ec);
        io.stop();
        throw TimeoutError(quoteCommand(argv) + " did not finish within " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options.deadline).count()) +
                           " s and was killed");
    }
    child.wait();
    result.exitCode = child.exit_code();
    result.out = out.get();
    result.err = err.get();
    result.elapsed = std::chrono::steady_clock::now() - started;
    return result;
}

std::string quoteCommand(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty()) {
            out += ' ';
        }
        bool plain =
            !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                  "-_./=:@%+,") == std::string::npos;
        // Words that need no quoting are shown bare, to keep the command readable in messages.
        if (plain) {
            out += arg;
        } else {
            out += shellQuote(arg);
        }
    }
    return out;
}

} // namespace nixdrill::util
