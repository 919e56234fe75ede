#include "engine/ops/strided_loops.hpp"

#include <algorithm>
#include <array>

#include "model/shape_rules.hpp"

namespace flipguard::engine::ops {
namespace {

// A loop nest over `dims` with K operand stride sets, reduced: size-1 dims dropped, and a dim merged into the
// one inside it when every operand steps over the inner one exactly (stride[d] == stride[d+1] * dims[d+1]).
template <size_t K>
struct LoopNest {
  Dims dims;
  std::array<Dims, K> strides;
};

template <size_t K>
LoopNest<K> reduce(const Dims& dims, const std::array<Dims, K>& strides) {
  LoopNest<K> r;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    bool merge = !r.dims.empty();
    for (size_t k = 0; k < K && merge; ++k) merge = r.strides[k].back() == strides[k][d] * dims[d];
    if (merge) {
      r.dims.back() *= dims[d];
      for (size_t k = 0; k < K; ++k) r.strides[k].back() = strides[k][d];
    } else {
      r.dims.push_back(dims[d]);
      for (size_t k = 0; k < K; ++k) r.strides[k].push_back(strides[k][d]);
    }
  }
  if (r.dims.empty()) {  // a single element
    r.dims.push_back(1);
    for (size_t k = 0; k < K; ++k) r.strides[k].push_back(0);
  }
  return r;
}

// Calls row(offsets, length) for every innermost row of the nest (offsets: each operand's element offset of
// the row's first element), rows spread over the OpenMP threads.
template <size_t K, class Row>
void for_each_row(const LoopNest<K>& nest, Row&& row) {
  const size_t outer_rank = nest.dims.size() - 1;
  std::int64_t rows = 1;
  for (size_t d = 0; d < outer_rank; ++d) rows *= nest.dims[d];
  const std::int64_t length = nest.dims.back();
  // Parallel only when there is enough work for the threads' start-up to pay off.
#pragma omp parallel for schedule(static) if (rows * length >= (1 << 15))
  for (std::int64_t r = 0; r < rows; ++r) {
    std::array<std::int64_t, K> off{};
    std::int64_t rest = r;
    for (size_t d = outer_rank; d-- > 0;) {
      const std::int64_t i = rest % nest.dims[d];
      rest /= nest.dims[d];
      for (size_t k = 0; k < K; ++k) off[k] += i * nest.strides[k][d];
    }
    row(off, length);
  }
}

template <class F>
void binary_rows(const LoopNest<3>& nest, const float* a, const float* b, float* dst, F f) {
  const std::int64_t sa = nest.strides[1].back(), sb = nest.strides[2].back();
  for_each_row(nest, [&](const std::array<std::int64_t, 3>& off, std::int64_t n) {
    float* o = dst + off[0];
    const float* x = a + off[1];
    const float* y = b + off[2];
    // The common cases get loops the compiler vectorizes.
    if (sa == 1 && sb == 1)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    else if (sa == 1 && sb == 0)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[0]);
    else if (sa == 0 && sb == 1)
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[0], y[i]);
    else
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i * sa], y[i * sb]);
  });
}

}  // namespace

Dims broadcast_strides(const Dims& dims, const Dims& out) {
  Dims s(out.size(), 0);
  std::int64_t acc = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    const size_t o = out.size() - dims.size() + i;
    s[o] = dims[i] == 1 ? 0 : acc;
    acc *= dims[i];
  }
  return s;
}

void copy_strided(const float* src, std::int64_t offset, const Dims& dims, const Dims& strides, float* dst) {
  const auto nest = reduce<2>(dims, {model::strides_of(dims), strides});
  const std::int64_t step = nest.strides[1].back();
  for_each_row(nest, [&](const std::array<std::int64_t, 2>& off, std::int64_t n) {
    const float* s = src + offset + off[1];
    float* o = dst + off[0];
    if (step == 1)
      std::copy_n(s, n, o);
    else
      for (std::int64_t i = 0; i < n; ++i) o[i] = s[i * step];
  });
}

void binary_strided(BinaryOp op, const float* a, const Dims& a_strides, const float* b, const Dims& b_strides,
                    const Dims& out, float* dst) {
  const auto nest = reduce<3>(out, {model::strides_of(out), a_strides, b_strides});
  switch (op) {
    case BinaryOp::add:
      return binary_rows(nest, a, b, dst, [](float x, float y) { return x + y; });
    case BinaryOp::sub:
      return binary_rows(nest, a, b, dst, [](float x, float y) { return x - y; });
    case BinaryOp::mul:
      return binary_rows(nest, a, b, dst, [](float x, float y) { return x * y; });
    case BinaryOp::div:
      return binary_rows(nest, a, b, dst, [](float x, float y) { return x / y; });
  }
}

}  // namespace flipguard::engine::ops
