// A stored weight as the executor holds it: the clean logical values (ONNX layout, row-major) and the
// physical buffer a kernel reads (often blocked, e.g. OIhw16i16o). A trial patches single elements through
// the layout map, so a fault touching k weights costs O(k), not a reorder of the tensor. The slot only sees
// a float buffer and an offset function: how the engine lays weights out stays inside the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::engine {

class WeightSlot {
 public:
  // Offset (in elements) inside the physical buffer of the value at an ONNX flat index.
  using OffsetMap = std::function<std::int64_t(std::int64_t flat)>;

  // `data` is the start of the physical buffer; `owner` keeps that buffer alive as long as the slot.
  WeightSlot(std::string name, std::string role, model::Dims dims, std::vector<float> clean, float* data,
             std::shared_ptr<const void> owner, OffsetMap offset);

  const std::string& name() const { return name_; }
  // "conv.weight", "gemm.weight", "matmul.weight", "conv.bias", "gemm.bias", "bn.scale", "bn.shift", ...
  const std::string& role() const { return role_; }
  const model::Dims& dims() const { return dims_; }
  std::int64_t size() const { return static_cast<std::int64_t>(clean_.size()); }
  std::span<const float> clean() const { return clean_; }

  void write(std::int64_t index, float value);
  float read(std::int64_t index) const;
  // Writes given elements; restore() puts their clean values back.
  void write(std::span<const std::int64_t> indices, std::span<const float> values);
  void restore(std::span<const std::int64_t> indices);
  // Writes every element (dense path, tests): O(size).
  void write_all(std::span<const float> values);
  // Another physical buffer holding the same tensor (a kernel of a second node reading it, in its own
  // layout): every write and restore reaches it too. Reads come from the first buffer.
  void add_copy(float* data, std::shared_ptr<const void> owner, OffsetMap offset);
  // Physical buffers holding the tensor (1 + copies).
  size_t buffers() const { return 1 + copies_.size(); }

 private:
  float* element(std::int64_t index) const;

  std::string name_, role_;
  model::Dims dims_;
  std::vector<float> clean_;
  std::shared_ptr<const void> owner_;
  float* data_;
  OffsetMap offset_;
  struct Copy {
    std::shared_ptr<const void> owner;
    float* data;
    OffsetMap offset;
  };
  std::vector<Copy> copies_;
};

}  // namespace flipguard::engine
