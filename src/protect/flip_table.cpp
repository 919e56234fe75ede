#include "protect/flip_table.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "memory/int8_symmetric.hpp"
#include "protect/weight_scaling.hpp"

namespace flipguard::protect {

namespace {

double read_error(float read, float clean) {
  if (std::isnan(read)) return std::numeric_limits<double>::infinity();
  return std::fabs(static_cast<double>(read) - static_cast<double>(clean));
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  std::ostringstream os;
  os << std::setprecision(7) << v;  // a float's worth of digits, no noise past it
  return os.str();
}

}  // namespace

FlipTable build_flip_table(const memory::Format& format, float value, std::optional<float> max_abs,
                           std::optional<float> target, bool scaling) {
  if (!std::isfinite(value)) throw std::invalid_argument("value " + num(value) + " is not a finite number");
  FlipTable t;
  t.format = format;
  t.value = value;
  t.max_abs = max_abs.value_or(std::fabs(value));
  if (!std::isfinite(t.max_abs) || t.max_abs < std::fabs(value))
    throw std::invalid_argument("max-abs " + num(t.max_abs) +
                                " must be finite and at least |value| = " + num(std::fabs(value)));
  t.scaling = scaling;
  t.target = target.value_or(default_scale_target(format));
  if (format.is_int8()) {
    const float one[] = {t.max_abs};
    t.int8_scale = memory::int8_scale_for(one);
  } else if (scaling) {
    const float one[] = {t.max_abs};
    t.factor = scaling_factors(one, 1, Granularity::per_tensor, t.target)[0];
  }
  const float c = t.factor, s = t.int8_scale;
  t.plain_pattern = format.encode(value, s);
  t.scaled_pattern = format.encode(value * c, s);
  t.plain_read = format.decode(t.plain_pattern, s);
  t.scaled_read = format.decode(t.scaled_pattern, s) / c;
  std::vector<memory::BitField> fields = format.layout();
  for (const memory::BitField& f : fields) {
    for (unsigned b = f.hi + 1; b-- > f.lo;) {
      FlipRow r{};
      r.bit = b;
      r.role = f.role;
      r.field_bit = b - f.lo;
      r.field_msb = b == f.hi && f.width() > 1;
      r.plain_read = format.decode(t.plain_pattern ^ (1u << b), s);
      r.plain_error = read_error(r.plain_read, t.plain_read);
      r.scaled_read = format.decode(t.scaled_pattern ^ (1u << b), s) / c;
      r.scaled_error = read_error(r.scaled_read, t.scaled_read);
      t.rows.push_back(r);
    }
  }
  for (const FlipRow& r : t.rows) {
    t.plain_mean += r.plain_error / static_cast<double>(t.rows.size());
    t.scaled_mean += r.scaled_error / static_cast<double>(t.rows.size());
    t.plain_max = std::max(t.plain_max, r.plain_error);
    t.scaled_max = std::max(t.scaled_max, r.scaled_error);
  }
  return t;
}

std::string grouped_bits(const memory::Format& format, std::uint32_t pattern) {
  std::string out;
  for (const memory::BitField& f : format.layout()) {
    if (!out.empty()) out += '|';
    for (unsigned b = f.hi + 1; b-- > f.lo;) out += ((pattern >> b) & 1u) ? '1' : '0';
  }
  return out;
}

std::string render_flip_table(const FlipTable& t) {
  std::ostringstream os;
  const bool scaled = t.scaling && !t.format.is_int8();
  os << "format " << t.format.name() << " (" << t.format.bits() << " bits), value " << num(t.value)
     << ", max|W| " << num(t.max_abs) << "\n";
  if (t.format.is_int8()) os << "int8 scale = max|W|/127 = " << num(t.int8_scale) << "\n";
  os << "stored bits:  " << grouped_bits(t.format, t.plain_pattern) << "  reads " << num(t.plain_read)
     << "\n";
  if (scaled) {
    os << "scaled (t = " << num(t.target) << ", c = t/max|W| = " << num(t.factor) << "): stored "
       << num(t.value * t.factor) << " as " << grouped_bits(t.format, t.scaled_pattern) << "  reads "
       << num(t.scaled_read) << "\n";
  } else if (t.format.is_int8()) {
    os << "weight scaling is a no-op for int8: its own scale already maps max|W| to 127\n";
  }
  os << "\nsingle bit flips (error = |read - fault-free read|, a NaN read counts as inf):\n";
  os << std::left << std::setw(5) << "bit" << std::setw(18) << "role" << std::setw(16) << "read"
     << std::setw(16) << "error";
  if (scaled) os << std::setw(16) << "scaled read" << std::setw(16) << "scaled error";
  os << "\n";
  for (const FlipRow& r : t.rows) {
    std::string role(to_string(r.role));
    if (r.role != memory::BitRole::sign) {
      role += '[';
      role += std::to_string(r.field_bit);
      role += ']';
    }
    if (r.field_msb) role += " msb";
    os << std::setw(5) << r.bit << std::setw(18) << role << std::setw(16) << num(r.plain_read)
       << std::setw(16) << num(r.plain_error);
    if (scaled) os << std::setw(16) << num(r.scaled_read) << std::setw(16) << num(r.scaled_error);
    os << "\n";
  }
  os << "\nmean error over bits: " << num(t.plain_mean);
  if (scaled) os << "   scaled: " << num(t.scaled_mean);
  os << "\nmax error over bits:  " << num(t.plain_max);
  if (scaled) os << "   scaled: " << num(t.scaled_max);
  os << "\n";
  return os.str();
}

}  // namespace flipguard::protect
