// Where a trial's spread comes from, and how many images a trial should score.
//
// A trial scores m images at an accuracy a that its faults decide: x = (correct of m) / m, so
//   Var(x) = Var(a) + E[a (1 - a)] / m      (fault spread + image noise / m)
// and its cost is a fixed part (sampling and patching the faults, starting a batch) plus m images. Near a
// collapse the fault spread dominates and few images per trial buy nearly as much as many; on a calm cell
// the image noise dominates and m should grow until the trial-count floor of a valid interval is met.
#pragma once

#include <span>

namespace flipguard::stats {

struct TrialVariance {
  double mean = 0;   // E[x] = E[a]
  double fault = 0;  // Var(a): spread between trials that more images cannot remove
  double image = 0;  // E[a (1 - a)]: binomial noise of one image
  double at(double images) const { return fault + image / images; }
};

// Estimates from trials that each scored `images` >= 2 images (x = accuracy in [0, 1]): image is the mean of
// x (1 - x) m / (m - 1) (unbiased for a (1 - a) given a), fault the sample variance minus image / m, at least
// 0. Throws std::invalid_argument for images < 2 or an empty sample; one trial gives fault 0.
TrialVariance trial_variance(std::span<const double> accuracies, int images);

}  // namespace flipguard::stats
