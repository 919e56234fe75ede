// Silent data corruption: how a faulty model's outputs differ from the fault-free model's on the same inputs,
// with no labels needed. Per image: SDC-1 when the faulty Top-1 class differs from the fault-free Top-1,
// SDC-5 when it is not among the fault-free Top-5 (five classes above it; ties do not push it out, so SDC-5
// implies SDC-1); over all images, the logit error: the largest |delta| of
// any logit and the relative L2 norm ||faulty - clean|| / ||clean|| over all logits. An image whose faulty
// logits hold NaN/Inf is corrupted (SDC-1 and SDC-5) and counted apart; it is left out of the logit error,
// as are images whose fault-free logits are not finite.
#pragma once

#include <cstdint>
#include <span>

namespace flipguard::metrics {

struct SdcCounts {
  std::int64_t images = 0, sdc1 = 0, sdc5 = 0;
  std::int64_t non_finite = 0;  // images whose faulty logits hold NaN/Inf
  double max_abs_error = 0;     // largest |faulty - clean| over the finite images' logits
  double error_squares = 0;     // sum of (faulty - clean)^2 over those logits
  double clean_squares = 0;     // sum of clean^2 over the same logits

  void add(const SdcCounts& o);
  double sdc1_percent() const;
  double sdc5_percent() const;
  // ||faulty - clean||_2 / ||clean||_2 over the finite images (0 when nothing differs; +inf when the clean
  // logits are all zero and some differ).
  double relative_l2() const;
};

// The Top-1 class of a row of logits: the first index of the largest value; -1 if the row holds a NaN.
std::int64_t top1_class(std::span<const float> logits);

// Compares rows of `classes` logits of a faulty pass with the fault-free rows of the same images.
SdcCounts compare_logits(std::span<const float> faulty, std::span<const float> clean, std::int64_t classes);

}  // namespace flipguard::metrics
