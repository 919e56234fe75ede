#include "metrics/sdc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "metrics/topk.hpp"

namespace flipguard::metrics {

void SdcCounts::add(const SdcCounts& o) {
  images += o.images;
  sdc1 += o.sdc1;
  sdc5 += o.sdc5;
  non_finite += o.non_finite;
  max_abs_error = std::max(max_abs_error, o.max_abs_error);
  error_squares += o.error_squares;
  clean_squares += o.clean_squares;
}

double SdcCounts::sdc1_percent() const {
  return images ? 100.0 * static_cast<double>(sdc1) / static_cast<double>(images) : 0.0;
}

double SdcCounts::sdc5_percent() const {
  return images ? 100.0 * static_cast<double>(sdc5) / static_cast<double>(images) : 0.0;
}

double SdcCounts::relative_l2() const {
  if (error_squares == 0) return 0;
  if (clean_squares == 0) return std::numeric_limits<double>::infinity();
  return std::sqrt(error_squares / clean_squares);
}

std::int64_t top1_class(std::span<const float> logits) {
  std::int64_t best = -1;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(logits[i])) return -1;
    if (best < 0 || logits[i] > logits[static_cast<std::size_t>(best)]) best = static_cast<std::int64_t>(i);
  }
  return best;
}

SdcCounts compare_logits(std::span<const float> faulty, std::span<const float> clean, std::int64_t classes) {
  if (classes <= 0 || faulty.size() != clean.size() || faulty.size() % static_cast<std::size_t>(classes) != 0)
    throw std::invalid_argument("compare_logits: " + std::to_string(faulty.size()) + " faulty and " +
                                std::to_string(clean.size()) + " clean logits for rows of " +
                                std::to_string(classes));
  const auto width = static_cast<std::size_t>(classes);
  SdcCounts c;
  for (std::size_t row = 0; row < faulty.size() / width; ++row) {
    const auto f = faulty.subspan(row * width, width);
    const auto r = clean.subspan(row * width, width);
    ++c.images;
    bool finite = true, clean_finite = true;
    for (std::size_t i = 0; i < width; ++i) {
      finite = finite && std::isfinite(f[i]);
      clean_finite = clean_finite && std::isfinite(r[i]);
    }
    if (!finite) {
      ++c.non_finite;
      ++c.sdc1;
      ++c.sdc5;
      continue;
    }
    const std::int64_t top = top1_class(f);
    c.sdc1 += top != top1_class(r);
    // Not among the clean Top-5: five or more classes have a strictly greater clean logit. A tie is in the
    // Top-5's favour here (unlike target_rank's against a label): quantised logits (an int8 output value)
    // tie often, and the clean Top-1 itself must never count as outside the clean Top-5 (SDC-5 implies
    // SDC-1).
    const float at = r[static_cast<std::size_t>(top)];
    c.sdc5 += std::count_if(r.begin(), r.end(), [at](float v) { return v > at; }) >= 5;
    if (!clean_finite) continue;
    for (std::size_t i = 0; i < width; ++i) {
      const double d = static_cast<double>(f[i]) - static_cast<double>(r[i]);
      c.max_abs_error = std::max(c.max_abs_error, std::abs(d));
      c.error_squares += d * d;
      c.clean_squares += static_cast<double>(r[i]) * static_cast<double>(r[i]);
    }
  }
  return c;
}

}  // namespace flipguard::metrics
