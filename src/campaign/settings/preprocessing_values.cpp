#include "campaign/settings/preprocessing_values.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace flipguard::campaign {
namespace {

bool parse_positive(const std::string& text, int& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 7)
    return false;
  out = std::atoi(text.c_str());
  return out > 0;
}

bool parse_real(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno != ERANGE && std::isfinite(out);
}

}  // namespace

std::array<int, 2> parse_image_size(const std::string& text) {
  if (text == "0" || text == "none") return {0, 0};
  const auto x = text.find('x');
  int h = 0, w = 0;
  if (x == std::string::npos ? parse_positive(text, h) && parse_positive(text, w)
                             : parse_positive(text.substr(0, x), h) && parse_positive(text.substr(x + 1), w))
    return {h, w};
  throw std::invalid_argument("'" + text + "' is not a size: N, HxW (pixels, 1 to 9999999) or 0 (none)");
}

double parse_scale(const std::string& text) {
  double v = 0;
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    if (parse_real(text, v) && v != 0) return v;
  } else {
    double a = 0, b = 0;
    if (parse_real(text.substr(0, slash), a) && parse_real(text.substr(slash + 1), b) && b != 0) {
      v = a / b;
      if (std::isfinite(v) && v != 0) return v;
    }
  }
  throw std::invalid_argument("'" + text + "' is not a finite non-zero number or fraction A/B (e.g. 1/255)");
}

}  // namespace flipguard::campaign
