// The one exception type of the report layer: bad or inconsistent results input, named by file and line.
#pragma once

#include <stdexcept>

namespace flipguard::report {

class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace flipguard::report
