#include "campaign/running/trial_images.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "faults/rng.hpp"

namespace flipguard::campaign {

TrialImages::TrialImages(const data::PreprocessedSet& pool, std::size_t per_trial)
    : pool_(pool), per_trial_(per_trial) {
  if (per_trial == 0 || per_trial > pool.size())
    throw std::invalid_argument("images_per_trial must be between 1 and the " + std::to_string(pool.size()) +
                                " images of the pool, got " + std::to_string(per_trial));
  buffer_.channels = pool.channels;
  buffer_.height = pool.height;
  buffer_.width = pool.width;
  buffer_.labelled = pool.labelled;
  buffer_.tensor.resize(per_trial * pool.sample_floats());
  buffer_.seq_len = pool.seq_len;
  buffer_.tokens.resize(per_trial * pool.seq_len);
  buffer_.next.resize(per_trial * pool.seq_len);
  buffer_.targets.resize(per_trial);
  buffer_.indices.resize(per_trial);
}

std::vector<std::size_t> TrialImages::positions(std::uint64_t seed, std::uint64_t trial) const {
  const std::size_t n = pool_.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  if (per_trial_ < n) {
    // Partial Fisher-Yates: the first per_trial entries are a uniform sample without replacement.
    faults::KeyedRng rng({seed, trial, 0, static_cast<std::uint64_t>(faults::Stream::kImages)});
    for (std::size_t i = 0; i < per_trial_; ++i) std::swap(order[i], order[i + rng.below(n - i)]);
    order.resize(per_trial_);
    std::sort(order.begin(), order.end());
  }
  return order;
}

const data::PreprocessedSet& TrialImages::sample(std::uint64_t seed, std::uint64_t trial) {
  chosen_ = positions(seed, trial);
  const auto& chosen = chosen_;
  const std::size_t floats = pool_.sample_floats();
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto src = pool_.batch(chosen[i], 1);
    std::copy(src.begin(), src.end(), buffer_.tensor.begin() + static_cast<std::ptrdiff_t>(i * floats));
    const auto len = static_cast<std::ptrdiff_t>(pool_.seq_len);
    std::copy_n(pool_.tokens.begin() + static_cast<std::ptrdiff_t>(chosen[i]) * len, len,
                buffer_.tokens.begin() + static_cast<std::ptrdiff_t>(i) * len);
    std::copy_n(pool_.next.begin() + static_cast<std::ptrdiff_t>(chosen[i]) * len, len,
                buffer_.next.begin() + static_cast<std::ptrdiff_t>(i) * len);
    buffer_.targets[i] = pool_.targets[chosen[i]];
    buffer_.indices[i] = pool_.indices[chosen[i]];
  }
  return buffer_;
}

std::span<const float> TrialImages::rows_of_sample(std::span<const float> pool_rows, std::size_t width) {
  if (pool_rows.size() != pool_.size() * width)
    throw std::logic_error("TrialImages: " + std::to_string(pool_rows.size()) + " values are not rows of " +
                           std::to_string(width) + " for the " + std::to_string(pool_.size()) + " images");
  rows_.resize(chosen_.size() * width);
  for (std::size_t i = 0; i < chosen_.size(); ++i)
    std::copy_n(pool_rows.begin() + static_cast<std::ptrdiff_t>(chosen_[i] * width), width,
                rows_.begin() + static_cast<std::ptrdiff_t>(i * width));
  return rows_;
}

}  // namespace flipguard::campaign
