// The one exception type of the data layer, so callers can tell bad input data from other failures.
#pragma once

#include <stdexcept>
#include <string>

namespace flipguard::data {

class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace flipguard::data
