#include "engine/ops/strided_views.hpp"

namespace flipguard::engine::ops {

Dims row_major_strides(const Dims& dims) {
  Dims s(dims.size());
  std::int64_t step = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = step;
    step *= dims[i];
  }
  return s;
}

std::optional<Dims> reshaped_strides(const Dims& dims, const Dims& strides, const Dims& out) {
  // Dims of 1 have no stride that matters: left out of the input, given any stride in the output.
  Dims in_d, in_s;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] != 1) {
      in_d.push_back(dims[i]);
      in_s.push_back(strides[i]);
    }
  Dims result(out.size(), 0);
  size_t oi = 0, ii = 0;
  auto skip_ones = [&] {
    while (oi < out.size() && out[oi] == 1) result[oi++] = 0;  // filled in below
  };
  skip_ones();
  while (ii < in_d.size() && oi < out.size()) {
    // The smallest groups of input dims [ii, ie) and output dims [oi, oe) holding the same element count.
    size_t ie = ii + 1, oe = oi + 1;
    std::int64_t in_n = in_d[ii], out_n = out[oi];
    while (in_n != out_n) {
      if (in_n < out_n) {
        if (ie == in_d.size()) return std::nullopt;
        in_n *= in_d[ie++];
      } else {
        if (oe == out.size()) return std::nullopt;
        out_n *= out[oe++];
      }
    }
    // The input group must be one contiguous run: each dim steps over the whole of the next.
    for (size_t k = ii; k + 1 < ie; ++k)
      if (in_s[k] != in_s[k + 1] * in_d[k + 1]) return std::nullopt;
    // The output group splits that run row-major, from its innermost stride.
    std::int64_t step = in_s[ie - 1];
    for (size_t k = oe; k-- > oi;) {
      result[k] = step;
      step *= out[k];
    }
    ii = ie;
    oi = oe;
    skip_ones();
  }
  if (ii != in_d.size() || oi != out.size()) return std::nullopt;
  // A dim of 1 steps over the dims inside it, as a row-major one would (oneDNN accepts any stride there).
  for (size_t k = out.size(); k-- > 0;)
    if (out[k] == 1) result[k] = k + 1 < out.size() ? result[k + 1] * out[k + 1] : 1;
  return result;
}

Dims permuted(const Dims& v, const Dims& perm) {
  Dims r(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) r[i] = v[static_cast<size_t>(perm[i])];
  return r;
}

}  // namespace flipguard::engine::ops
