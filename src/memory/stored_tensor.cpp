#include "memory/stored_tensor.hpp"

#include <stdexcept>
#include <string>

#include "memory/int8_symmetric.hpp"

namespace flipguard::memory {

StoredTensor::StoredTensor(const Format& format, std::span<const float> values, std::size_t channels)
    : format_(format), n_(values.size()), channels_(channels) {
  if (channels == 0 || (n_ > 0 && n_ % channels != 0))
    throw std::invalid_argument("stored tensor: " + std::to_string(n_) + " elements cannot be split into " +
                                std::to_string(channels) + " output channels");
  per_channel_ = n_ > 0 ? n_ / channels : 1;
  if (format_.kind() == FormatKind::int8) {
    scales_.push_back(int8_scale_for(values));
  } else if (format_.kind() == FormatKind::int8_channel) {
    // An empty tensor has empty channels (scale 1); per_channel_ is 1 there only to keep channel_of defined.
    const std::size_t len = n_ / channels;
    for (std::size_t c = 0; c < channels; ++c)
      scales_.push_back(int8_scale_for(values.subspan(c * len, len)));
  }
  const unsigned w = format_.bits();  // 8, 16 or 32: divides 64, so no element straddles two words
  image_ = BitImage(static_cast<std::uint64_t>(n_) * w);
  auto& words = image_.words();
  for (std::size_t i = 0; i < n_; ++i) {
    const std::uint64_t bit = static_cast<std::uint64_t>(i) * w;
    words[bit >> 6] |= static_cast<std::uint64_t>(format_.encode(values[i], scale_of(i))) << (bit & 63);
  }
}

std::vector<float> StoredTensor::decode_all() const {
  std::vector<float> out(n_);
  for (std::size_t i = 0; i < n_; ++i) out[i] = decode(i);
  return out;
}

}  // namespace flipguard::memory
