#include "engine/activation_snapshot.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace flipguard::engine {

void ActivationSnapshot::reset(std::vector<Range> ranges) {
  ranges_ = std::move(ranges);
  copies_.clear();
  for (const auto& r : ranges_) copies_.push_back(aligned_alloc_zeroed(r.bytes));
}

void ActivationSnapshot::capture() {
  for (size_t i = 0; i < ranges_.size(); ++i)
    std::memcpy(copies_[i].get(), ranges_[i].data, ranges_[i].bytes);
}

void ActivationSnapshot::restore() const {
  for (size_t i = 0; i < ranges_.size(); ++i)
    std::memcpy(ranges_[i].data, copies_[i].get(), ranges_[i].bytes);
}

size_t ActivationSnapshot::bytes() const {
  size_t n = 0;
  for (const auto& r : ranges_) n += r.bytes;
  return n;
}

void ActivationSnapshot::copy_to(std::span<std::byte> out) const {
  if (out.size() != bytes())
    throw std::invalid_argument("activation snapshot: " + std::to_string(out.size()) + " bytes for " +
                                std::to_string(bytes()));
  size_t at = 0;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    std::memcpy(out.data() + at, copies_[i].get(), ranges_[i].bytes);
    at += ranges_[i].bytes;
  }
}

void ActivationSnapshot::copy_from(std::span<const std::byte> in) {
  if (in.size() != bytes())
    throw std::invalid_argument("activation snapshot: " + std::to_string(in.size()) + " bytes for " +
                                std::to_string(bytes()));
  size_t at = 0;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    std::memcpy(copies_[i].get(), in.data() + at, ranges_[i].bytes);
    at += ranges_[i].bytes;
  }
}

}  // namespace flipguard::engine
