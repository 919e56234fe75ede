// The plain C++ strided loops behind Slice and broadcast binaries (engine/ops/strided_loops.hpp) against a
// per-element reference, on random shapes, slices (negative steps included) and broadcast patterns: merging
// dims and picking row kernels must never change which element is read.
#include <gtest/gtest.h>

#include <random>

#include "engine/ops/strided_loops.hpp"

namespace {

using flipguard::model::Dims;
namespace ops = flipguard::engine::ops;

std::int64_t count(const Dims& d) {
  std::int64_t n = 1;
  for (auto x : d) n *= x;
  return n;
}

// Calls fn(linear, index) over `dims` in row-major order.
template <class Fn>
void each(const Dims& dims, Fn fn) {
  Dims idx(dims.size(), 0);
  for (std::int64_t lin = 0; lin < count(dims); ++lin) {
    fn(lin, idx);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

TEST(StridedLoops, CopyReadsWhatAPerElementWalkReads) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const auto rank = static_cast<size_t>(1 + rng() % 5);
    Dims in(rank), out(rank), strides(rank);
    std::int64_t offset = 0, acc = 1;
    for (size_t d = rank; d-- > 0;) {
      in[d] = 1 + static_cast<std::int64_t>(rng() % 7);
      std::int64_t step = 1 + static_cast<std::int64_t>(rng() % 3);
      if (rng() % 4 == 0) step = -step;
      const std::int64_t len = 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(in[d]));
      const std::int64_t span = (len - 1) * std::abs(step);
      if (span >= in[d]) step = step > 0 ? 1 : -1;  // keep the slice inside the dim
      const std::int64_t first =
          step > 0 ? static_cast<std::int64_t>(rng() % static_cast<unsigned>(in[d] - (len - 1) * step))
                   : in[d] - 1 -
                         static_cast<std::int64_t>(rng() % static_cast<unsigned>(in[d] + (len - 1) * step));
      out[d] = len;
      strides[d] = acc * step;
      offset += first * acc;
      acc *= in[d];
    }
    std::vector<float> src(static_cast<size_t>(count(in)));
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i);
    std::vector<float> got(static_cast<size_t>(count(out)), -1.f);
    ops::copy_strided(src.data(), offset, out, strides, got.data());
    each(out, [&](std::int64_t lin, const Dims& idx) {
      std::int64_t off = offset;
      for (size_t d = 0; d < rank; ++d) off += idx[d] * strides[d];
      ASSERT_EQ(got[static_cast<size_t>(lin)], src[static_cast<size_t>(off)]) << "trial " << trial;
    });
  }
}

TEST(StridedLoops, BroadcastBinaryComputesEveryElementAsNumpyDoes) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g;
  const ops::BinaryOp kinds[] = {ops::BinaryOp::add, ops::BinaryOp::sub, ops::BinaryOp::mul,
                                 ops::BinaryOp::div};
  for (int trial = 0; trial < 400; ++trial) {
    const auto rank = static_cast<size_t>(1 + rng() % 5);
    Dims out(rank), a(rank), b(rank);
    for (size_t d = 0; d < rank; ++d) {
      out[d] = 1 + static_cast<std::int64_t>(rng() % 6);
      a[d] = rng() % 3 == 0 ? 1 : out[d];
      b[d] = rng() % 3 == 0 ? 1 : out[d];
    }
    // Operands of lower rank too (left-padded).
    if (rng() % 3 == 0 && rank > 1) b.erase(b.begin());
    std::vector<float> av(static_cast<size_t>(count(a))), bv(static_cast<size_t>(count(b)));
    for (auto& x : av) x = g(rng);
    for (auto& x : bv) x = g(rng);
    const auto op = kinds[trial % 4];
    std::vector<float> got(static_cast<size_t>(count(out)));
    ops::binary_strided(op, av.data(), ops::broadcast_strides(a, out), bv.data(),
                        ops::broadcast_strides(b, out), out, got.data());
    each(out, [&](std::int64_t lin, const Dims& idx) {
      std::int64_t oa = 0, ob = 0;
      for (size_t d = 0; d < rank; ++d) oa = oa * a[d] + (a[d] == 1 ? 0 : idx[d]);
      const size_t lead = rank - b.size();
      for (size_t d = lead; d < rank; ++d) ob = ob * b[d - lead] + (b[d - lead] == 1 ? 0 : idx[d]);
      const float x = av[static_cast<size_t>(oa)], z = bv[static_cast<size_t>(ob)];
      const float want = op == ops::BinaryOp::add   ? x + z
                         : op == ops::BinaryOp::sub ? x - z
                         : op == ops::BinaryOp::mul ? x * z
                                                    : x / z;
      ASSERT_EQ(got[static_cast<size_t>(lin)], want) << "trial " << trial << " element " << lin;
    });
  }
}

}  // namespace
