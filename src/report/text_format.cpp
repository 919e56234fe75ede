#include "report/text_format.hpp"

#include <cmath>
#include <cstdio>

namespace flipguard::report {

std::string format_ber(double ber) {
  if (ber == 0) return "0";
  char buf[48];
  if (std::fabs(ber) >= 0.01) {
    std::snprintf(buf, sizeof buf, "%.6g", ber);
    return buf;
  }
  // Rates are read in powers of ten: always "m e-k", without printf's exponent padding ("1e-06").
  std::snprintf(buf, sizeof buf, "%.5e", ber);
  const std::string s = buf;
  const auto e = s.find('e');
  std::string mantissa = s.substr(0, e);
  while (mantissa.back() == '0') mantissa.pop_back();
  if (mantissa.back() == '.') mantissa.pop_back();
  return mantissa + "e" + std::to_string(std::stoi(s.substr(e + 1)));
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string format_amount(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, std::fabs(value) < 1e5 ? "%.2f" : "%.3g", value);
  return buf;
}

std::string format_mean_ci(const campaign::MeanEstimate& e, bool sign) {
  const auto number = [sign](double v) { return (sign && v >= 0 ? "+" : "") + format_fixed(v, 2); };
  const std::string interval = std::isfinite(e.lo) && std::isfinite(e.hi)
                                   ? "[" + number(e.lo) + ", " + number(e.hi) + "]"
                                   : std::string("[n/a]");
  return number(e.mean) + " " + interval + " (" + std::to_string(e.n) + ")";
}

std::string format_general(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.12g", value);
  return buf;
}

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace flipguard::report
