#include "stats/trial_variance.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace flipguard::stats {

TrialVariance trial_variance(std::span<const double> accuracies, int images) {
  if (images < 2)
    throw std::invalid_argument(
        "trial_variance: need at least 2 images per trial to separate image noise from "
        "fault spread, got " +
        std::to_string(images));
  if (accuracies.empty()) throw std::invalid_argument("trial_variance: no trials");
  const double n = static_cast<double>(accuracies.size()), m = images;
  TrialVariance v;
  double noise = 0;
  for (double x : accuracies) {
    v.mean += x / n;
    noise += x * (1 - x) * m / (m - 1) / n;
  }
  double squares = 0;
  for (double x : accuracies) squares += (x - v.mean) * (x - v.mean);
  const double sample_variance = accuracies.size() > 1 ? squares / (n - 1) : 0;
  v.image = std::max(noise, 0.0);
  v.fault = std::max(sample_variance - v.image / m, 0.0);
  return v;
}

}  // namespace flipguard::stats
