#include "campaign/settings/second_rate.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace flipguard::campaign {
namespace {

double parse_number(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw std::invalid_argument("'" + text + "' is not " + what);
  return v;
}

}  // namespace

SecondRate parse_second_rate(const std::string& text) {
  const std::string expected = "a rate in [0, 1], cell or cell*K";
  if (text == "cell") return {};
  if (text.starts_with("cell*")) {
    const double k = parse_number(text.substr(5), "a factor (" + expected + ")");
    if (!(k > 0)) throw std::invalid_argument("the factor of '" + text + "' must be > 0");
    return {.follows_cell = true, .value = k};
  }
  const double rate = parse_number(text, expected);
  if (rate < 0 || rate > 1) throw std::invalid_argument("'" + text + "' is outside [0, 1]");
  return {.follows_cell = false, .value = rate};
}

std::string to_string(const SecondRate& rate) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", rate.value);
  if (!rate.follows_cell) return buf;
  return rate.value == 1 ? std::string("cell") : "cell*" + std::string(buf);
}

}  // namespace flipguard::campaign
