// A stored weight as the executor holds it: the clean logical values (ONNX layout, row-major) and the
// physical buffer a oneDNN primitive reads (often blocked, e.g. OIhw16i16o). A trial patches single
// elements through the layout map, so a fault touching k weights costs O(k), not a reorder of the tensor.
#pragma once

#include <array>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <string>
#include <vector>

#include "model/graph.hpp"

namespace flipguard::engine {

// Offset (in elements) of the logical index `idx` (in the desc's own dims) inside a blocked oneDNN buffer.
std::int64_t physical_offset(const dnnl::memory::desc& md, const std::int64_t* idx);

class WeightSlot {
 public:
  // Maps an ONNX flat index to the index vector of the oneDNN desc (e.g. O,I,H,W -> G,O/G,I,H,W).
  using IndexMap = std::function<void(std::int64_t flat, std::int64_t* dnnl_index)>;

  WeightSlot(std::string name, std::string role, model::Dims dims, std::vector<float> clean,
             dnnl::memory physical, IndexMap map);

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

 private:
  float* element(std::int64_t index) const;

  std::string name_, role_;
  model::Dims dims_;
  std::vector<float> clean_;
  dnnl::memory physical_;
  dnnl::memory::desc physical_md_;
  IndexMap map_;
  float* base_ = nullptr;
};

}  // namespace flipguard::engine
