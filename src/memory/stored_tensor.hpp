// A tensor as a device stores it: n elements of one Format packed into a BitImage, element i in bits
// [i*w, (i+1)*w) with bit 0 its LSB. INT8 scales are metadata kept outside the faulty memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "memory/bit_image.hpp"
#include "memory/format.hpp"

namespace flipguard::memory {

class StoredTensor {
 public:
  StoredTensor() = default;
  // `channels` splits the tensor along axis 0 (the output channel for conv/gemm weights): element i belongs
  // to channel i / (n / channels). It only matters for int8-channel; n must be a multiple of it.
  // Throws std::invalid_argument for a bad channel count or a value the format cannot encode (NaN in
  // fixed/int8).
  StoredTensor(const Format& format, std::span<const float> values, std::size_t channels = 1);

  const Format& format() const { return format_; }
  std::size_t size() const { return n_; }
  std::size_t channels() const { return channels_; }
  std::size_t channel_of(std::size_t i) const { return i / per_channel_; }
  unsigned bits_per_element() const { return format_.bits(); }

  // The fault-prone image. Faults flip bits in it; reads below see whatever it holds now.
  BitImage& bits() { return image_; }
  const BitImage& bits() const { return image_; }

  // INT8 scale that applies to element i (1 for non-int8 formats); per channel for int8-channel.
  float scale_of(std::size_t i) const {
    return scales_.empty() ? 1.0f : scales_[scales_.size() == 1 ? 0 : channel_of(i)];
  }
  const std::vector<float>& scales() const { return scales_; }

  std::uint32_t pattern(std::size_t i) const { return image_.field(i, format_.bits()); }
  // Decode a pattern as if it were stored at element i (uses element i's scale); for reading corrected words.
  float decode_pattern(std::size_t i, std::uint32_t pattern) const {
    return format_.decode(pattern, scale_of(i));
  }
  float decode(std::size_t i) const { return decode_pattern(i, pattern(i)); }
  std::vector<float> decode_all() const;

 private:
  Format format_ = Format::fp32();
  std::size_t n_ = 0, channels_ = 1, per_channel_ = 1;
  std::vector<float> scales_;
  BitImage image_;
};

}  // namespace flipguard::memory
