// Functions shared by the load-time constant kernels: building results, reading scalars and integer lists,
// and the index arithmetic of broadcasting and data movement.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/constant_kernels.hpp"
#include "model/graph.hpp"

namespace flipguard::model::kernels {

using KernelTable = std::map<std::string, ConstantKernel>;

inline std::invalid_argument bad(const std::string& problem) {
  return std::invalid_argument(problem);
}

inline Constant float_tensor(Dims dims, std::vector<float> data) {
  Constant c;
  c.dims = std::move(dims);
  c.floats = std::move(data);
  return c;
}

inline Constant int_tensor(Dims dims, std::vector<std::int64_t> data) {
  Constant c;
  c.dims = std::move(dims);
  c.ints = std::move(data);
  c.integer = true;
  return c;
}

// Input i, which must be present.
const Constant& input(const std::vector<const Constant*>& in, size_t i);
// Input i as integers (shapes, axes, indices); float inputs are refused.
const std::vector<std::int64_t>& ints_of(const std::vector<const Constant*>& in, size_t i);
// The single value of a one-element input, as double.
double scalar_of(const Constant& c);

// For every element of `out` (row-major), the flat offset of the element of `in` it reads under numpy
// broadcasting.
std::vector<std::int64_t> broadcast_offsets(const Dims& in, const Dims& out);

// A tensor of `dims` whose element k is `src`'s element offsets[k] (floats or ints, as src holds).
Constant take(const Constant& src, Dims dims, const std::vector<std::int64_t>& offsets);

// Calls fn(index) for every index of `dims`, row-major.
void for_each_index(const Dims& dims, const std::function<void(const std::vector<std::int64_t>&)>& fn);

void register_elementwise(KernelTable& t);
void register_shape_sources(KernelTable& t);
void register_movement(KernelTable& t);
void register_indexing(KernelTable& t);

}  // namespace flipguard::model::kernels
