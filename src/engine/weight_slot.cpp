#include "engine/weight_slot.hpp"

#include <stdexcept>

namespace flipguard::engine {

WeightSlot::WeightSlot(std::string name, std::string role, model::Dims dims, std::vector<float> clean,
                       float* data, std::shared_ptr<const void> owner, OffsetMap offset)
    : name_(std::move(name)),
      role_(std::move(role)),
      dims_(std::move(dims)),
      clean_(std::move(clean)),
      owner_(std::move(owner)),
      data_(data),
      offset_(std::move(offset)) {}

float* WeightSlot::element(std::int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("weight '" + name_ + "': index " + std::to_string(index) + " outside [0, " +
                            std::to_string(size()) + ")");
  return data_ + offset_(index);
}

void WeightSlot::write(std::int64_t index, float value) {
  *element(index) = value;
  for (const auto& c : copies_) c.data[c.offset(index)] = value;
}

void WeightSlot::add_copy(float* data, std::shared_ptr<const void> owner, OffsetMap offset) {
  copies_.push_back({std::move(owner), data, std::move(offset)});
}
float WeightSlot::read(std::int64_t index) const {
  return *element(index);
}

void WeightSlot::write(std::span<const std::int64_t> indices, std::span<const float> values) {
  if (indices.size() != values.size())
    throw std::invalid_argument("weight '" + name_ + "': indices/values size mismatch");
  for (size_t k = 0; k < indices.size(); ++k) write(indices[k], values[k]);
}

void WeightSlot::restore(std::span<const std::int64_t> indices) {
  for (auto i : indices) write(i, clean_[static_cast<size_t>(i)]);
}

void WeightSlot::write_all(std::span<const float> values) {
  if (values.size() != clean_.size())
    throw std::invalid_argument("weight '" + name_ + "': write_all size mismatch");
  for (std::int64_t i = 0; i < size(); ++i) write(i, values[static_cast<size_t>(i)]);
}

}  // namespace flipguard::engine
