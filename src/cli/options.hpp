// Minimal "--key value" / "--flag" parsing for subcommands: unknown options and missing values are errors
// (exit code 2 with the command's usage), never silently ignored.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::cli {

struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Options {
 public:
  Options(const std::vector<std::string>& args, const std::set<std::string>& with_value,
          const std::set<std::string>& flags) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (flags.count(a)) {
        flags_.insert(a);
      } else if (with_value.count(a)) {
        if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
        values_[a] = args[++i];
      } else {
        throw UsageError("unknown option '" + a + "'");
      }
    }
  }
  bool flag(const std::string& f) const { return flags_.count(f) != 0; }
  std::string get(const std::string& k, const std::string& fallback = "") const {
    auto it = values_.find(k);
    return it == values_.end() ? fallback : it->second;
  }
  long get_int(const std::string& k, long fallback, long min, long max) const {
    auto it = values_.find(k);
    if (it == values_.end()) return fallback;
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(it->second, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != it->second.size() || v < min || v > max)
      throw UsageError(k + " expects an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                       "], got '" + it->second + "'");
    return v;
  }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

}  // namespace flipguard::cli
