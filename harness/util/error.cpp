///@file Implementation of the root exception type.
#include "util/error.hpp"

namespace nixdrill::util {

Error::Error(std::string message) : std::runtime_error(message), message_(std::move(message)), full_(message_) {}

Error& Error::addContext(std::string frame) {
    context_.push_back(std::move(frame));
    full_ = describe();
    return *this;
}

std::string Error::describe() const {
    std::string out = message_;
    for (const auto& frame : context_) {
        out += "\n  ";
        out += frame;
    }
    return out;
}

} // namespace nixdrill::util
