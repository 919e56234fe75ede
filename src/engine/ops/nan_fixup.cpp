#include "engine/ops/nan_fixup.hpp"

#include <cmath>
#include <limits>
#include <memory>

#include "engine/value.hpp"

namespace flipguard::engine::ops {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Up to three spatial dims, padded with extent 1 (kernel 1, stride 1, no padding).
struct Spatial3 {
  std::int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0};
};

}  // namespace

FaithfulFn max_pool_with_nan(const dnnl::engine& engine, dnnl::primitive prim, const dnnl::memory::desc& src,
                             const Dims& in, const dnnl::memory::desc& dst, const Dims& out,
                             const Dims& kernel, const Dims& strides, const Dims& pad_begin) {
  Spatial3 g;
  const size_t rank = in.size() - 2, off = 3 - rank;
  for (size_t i = 0; i < rank; ++i) {
    g.in[off + i] = in[i + 2];
    g.out[off + i] = out[i + 2];
    g.k[off + i] = kernel[i];
    g.s[off + i] = strides[i];
    g.p[off + i] = pad_begin[i];
  }
  const std::int64_t planes = in[0] * in[1];
  const auto src_plain = plain_desc(in), dst_plain = plain_desc(out);
  // Plain copies, made on the first NaN run only: clean runs never pay for them.
  struct Scratch {
    dnnl::memory src, mask, mask_dst;
  };
  auto scratch = std::make_shared<Scratch>();
  return [=](dnnl::stream& stream, const std::unordered_map<int, dnnl::memory>& args) {
    prim.execute(stream, args);
    const dnnl::memory& x = args.at(DNNL_ARG_SRC);
    const dnnl::memory& y = args.at(DNNL_ARG_DST);
    const float* xp = static_cast<const float*>(x.get_data_handle());
    if (src != src_plain) {
      if (!scratch->src) scratch->src = dnnl::memory(src_plain, engine);
      dnnl::reorder(x, scratch->src).execute(stream, const_cast<dnnl::memory&>(x), scratch->src);
      xp = static_cast<const float*>(scratch->src.get_data_handle());
    }
    stream.wait();
    if (!scratch->mask) scratch->mask = dnnl::memory(dst_plain, engine);
    auto* mask = static_cast<float*>(scratch->mask.get_data_handle());
    const std::int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
    int any = 0;
#pragma omp parallel for reduction(| : any) schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xs = xp + pl * in_plane;
      float* m = mask + pl * out_plane;
      for (std::int64_t a = 0; a < g.out[0]; ++a)
        for (std::int64_t b = 0; b < g.out[1]; ++b)
          for (std::int64_t c = 0; c < g.out[2]; ++c) {
            bool nan = false;
            for (std::int64_t i = a * g.s[0] - g.p[0]; i < a * g.s[0] - g.p[0] + g.k[0] && !nan; ++i)
              for (std::int64_t j = b * g.s[1] - g.p[1]; j < b * g.s[1] - g.p[1] + g.k[1] && !nan; ++j)
                for (std::int64_t l = c * g.s[2] - g.p[2]; l < c * g.s[2] - g.p[2] + g.k[2] && !nan; ++l)
                  if (i >= 0 && i < g.in[0] && j >= 0 && j < g.in[1] && l >= 0 && l < g.in[2])
                    nan = std::isnan(xs[(i * g.in[1] + j) * g.in[2] + l]);
            m[(a * g.out[1] + b) * g.out[2] + c] = nan ? kNaN : 0.f;
            any |= nan ? 1 : 0;
          }
    }
    if (!any) return;
    const float* mp = mask;
    if (dst != dst_plain) {
      if (!scratch->mask_dst) scratch->mask_dst = dnnl::memory(dst, engine);
      dnnl::reorder(scratch->mask, scratch->mask_dst).execute(stream, scratch->mask, scratch->mask_dst);
      stream.wait();
      mp = static_cast<const float*>(scratch->mask_dst.get_data_handle());
    }
    auto* yp = static_cast<float*>(y.get_data_handle());
    const auto count = static_cast<std::int64_t>(dst.get_size() / sizeof(float));
    for (std::int64_t i = 0; i < count; ++i)
      if (std::isnan(mp[i])) yp[i] = mp[i];
  };
}

std::uint64_t max_pool_nan_scratch_bytes(const dnnl::memory::desc& src, const Dims& in,
                                         const dnnl::memory::desc& dst, const Dims& out) {
  const auto src_plain = plain_desc(in), dst_plain = plain_desc(out);
  std::uint64_t bytes = dst_plain.get_size();
  if (src != src_plain) bytes += src_plain.get_size();
  if (dst != dst_plain) bytes += dst.get_size();
  return bytes;
}

FaithfulFn softmax_with_nan(dnnl::primitive prim, const Dims& dims, int axis) {
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= dims[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < dims.size(); ++i) inner *= dims[i];
  const std::int64_t len = dims[static_cast<size_t>(axis)];
  return [=](dnnl::stream& stream, const std::unordered_map<int, dnnl::memory>& args) {
    prim.execute(stream, args);
    stream.wait();
    const auto* x = static_cast<const float*>(args.at(DNNL_ARG_SRC).get_data_handle());
    auto* y = static_cast<float*>(args.at(DNNL_ARG_DST).get_data_handle());
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < outer * inner; ++r) {
      const std::int64_t base = r / inner * len * inner + r % inner;
      bool nan = false, all_neg_inf = true;
      for (std::int64_t i = 0; i < len; ++i) {
        const float v = x[base + i * inner];
        nan = nan || std::isnan(v) || v == std::numeric_limits<float>::infinity();
        all_neg_inf = all_neg_inf && v == -std::numeric_limits<float>::infinity();
      }
      if (nan || all_neg_inf)
        for (std::int64_t i = 0; i < len; ++i) y[base + i * inner] = kNaN;
    }
  };
}

}  // namespace flipguard::engine::ops
