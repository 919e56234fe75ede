#include "model/constant_kernels/kernel_util.hpp"

#include "model/shape_rules.hpp"

namespace flipguard::model {
namespace kernels {

const Constant& input(const std::vector<const Constant*>& in, size_t i) {
  if (i >= in.size() || !in[i]) throw bad("input " + std::to_string(i) + " is missing");
  return *in[i];
}

const std::vector<std::int64_t>& ints_of(const std::vector<const Constant*>& in, size_t i) {
  const Constant& c = input(in, i);
  if (c.is_float() && !c.floats.empty()) throw bad("input " + std::to_string(i) + " must hold integers");
  return c.ints;
}

double scalar_of(const Constant& c) {
  if (c.is_float()) {
    if (c.floats.size() != 1) throw bad("expected one value, got " + std::to_string(c.floats.size()));
    return c.floats[0];
  }
  if (c.ints.size() != 1) throw bad("expected one value, got " + std::to_string(c.ints.size()));
  return static_cast<double>(c.ints[0]);
}

std::vector<std::int64_t> broadcast_offsets(const Dims& in, const Dims& out) {
  const Dims padded = left_pad(in, out.size());
  const Dims strides = strides_of(padded);
  std::vector<std::int64_t> offsets;
  offsets.reserve(static_cast<size_t>(element_count(out)));
  for_each_index(out, [&](const std::vector<std::int64_t>& idx) {
    std::int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d)
      if (padded[d] != 1) off += idx[d] * strides[d];
    offsets.push_back(off);
  });
  return offsets;
}

Constant take(const Constant& src, Dims dims, const std::vector<std::int64_t>& offsets) {
  Constant c;
  c.dims = std::move(dims);
  c.integer = !src.is_float();
  if (src.is_float()) {
    c.floats.reserve(offsets.size());
    for (auto o : offsets) c.floats.push_back(src.floats.at(static_cast<size_t>(o)));
  } else {
    c.ints.reserve(offsets.size());
    for (auto o : offsets) c.ints.push_back(src.ints.at(static_cast<size_t>(o)));
  }
  return c;
}

void for_each_index(const Dims& dims, const std::function<void(const std::vector<std::int64_t>&)>& fn) {
  const auto total = element_count(dims);
  std::vector<std::int64_t> idx(dims.size(), 0);
  for (std::int64_t lin = 0; lin < total; ++lin) {
    fn(idx);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace kernels

ConstantKernel constant_kernel(const std::string& op_type) {
  static const kernels::KernelTable table = [] {
    kernels::KernelTable t;
    kernels::register_elementwise(t);
    kernels::register_shape_sources(t);
    kernels::register_movement(t);
    kernels::register_indexing(t);
    return t;
  }();
  const auto it = table.find(op_type);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace flipguard::model
