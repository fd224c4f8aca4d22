///@file JUnit XML (the dialect GitLab, Jenkins and most CI systems read), rendered from a run result.
#pragma once

#include "model/result.hpp"

#include <string>

namespace nixdrill::report {

/// One <testsuite> per suite, one <testcase> per case with classname and real time;
/// Failed -> <failure>, Broken -> <error>, Skipped -> <skipped>; evidence in <system-out>.
std::string renderJunit(const model::RunResult& run);

/// Makes text safe for XML 1.0: invalid UTF-8 becomes U+FFFD, control characters other than
/// tab, newline and carriage return are dropped.
std::string xmlSafeText(const std::string& text);

} // namespace nixdrill::report
