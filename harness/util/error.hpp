///@file The root exception type of nixdrill, with context frames added while unwinding.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace nixdrill::util {

/// Root of every exception nixdrill throws on purpose.
///
/// The message says what went wrong; context frames, added by callers while the exception
/// unwinds, say what was being done ("while evaluating scenario 'x'"), innermost first.
class Error : public std::runtime_error {
public:
    explicit Error(std::string message);

    /// Adds a context frame; returns *this so `throw;` after it rethrows the same object.
    Error& addContext(std::string frame);

    const std::string& message() const noexcept { return message_; }
    const std::vector<std::string>& context() const noexcept { return context_; }

    /// Message followed by the context frames, innermost first, one per line.
    std::string describe() const;

    const char* what() const noexcept override { return full_.c_str(); }

private:
    std::string message_;
    std::vector<std::string> context_;
    std::string full_;
};

/// Declares a one-line error type beside the API that throws it.
#define NIXDRILL_MAKE_ERROR(Name, Base)                                                                                \
    class Name : public Base {                                                                                         \
    public:                                                                                                            \
        using Base::Base;                                                                                              \
    }

/// Bad user input (scenario files, flags): reported with its location, never a crash.
NIXDRILL_MAKE_ERROR(InputError, Error);
/// A system call, subprocess or file operation failed.
NIXDRILL_MAKE_ERROR(SystemError, Error);
/// A deadline passed before the awaited thing happened.
NIXDRILL_MAKE_ERROR(TimeoutError, Error);

} // namespace nixdrill::util
