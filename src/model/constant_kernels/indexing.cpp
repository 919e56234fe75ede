// Indexing on constants: Gather, GatherElements, ScatterND (e.g. Swin's shifted-window mask, built by slice
// assignments) and Trilu (causal masks). Negative indices count from the end; an index out of range is an
// error, not a clamp.
#include "model/constant_kernels/kernel_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::model::kernels {
namespace {

std::int64_t checked_index(std::int64_t i, std::int64_t dim) {
  const std::int64_t r = i < 0 ? i + dim : i;
  if (r < 0 || r >= dim)
    throw bad("index " + std::to_string(i) + " is outside a dimension of " + std::to_string(dim));
  return r;
}

std::vector<Constant> gather(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const auto& idx = ints_of(in, 1);
  const Dims& idx_dims = input(in, 1).dims;
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  const auto axis = static_cast<size_t>(normalize_axis(n.get_int("axis", 0), rank));
  const Dims out = gather_dims(x.dims, idx_dims, static_cast<std::int64_t>(axis));
  std::int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= x.dims[d];
  for (size_t d = axis + 1; d < x.dims.size(); ++d) inner *= x.dims[d];
  const std::int64_t dim = x.dims[axis];
  std::vector<std::int64_t> offsets;
  offsets.reserve(static_cast<size_t>(element_count(out)));
  for (std::int64_t o = 0; o < outer; ++o)
    for (auto i : idx) {
      const std::int64_t base = (o * dim + checked_index(i, dim)) * inner;
      for (std::int64_t k = 0; k < inner; ++k) offsets.push_back(base + k);
    }
  return {take(x, out, offsets)};
}

std::vector<Constant> gather_elements(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const auto& idx = ints_of(in, 1);
  const Dims& out = input(in, 1).dims;
  if (out.size() != x.dims.size()) throw bad("indices and data differ in rank");
  const auto axis =
      static_cast<size_t>(normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(out.size())));
  const Dims strides = strides_of(x.dims);
  std::vector<std::int64_t> offsets;
  size_t k = 0;
  for_each_index(out, [&](const std::vector<std::int64_t>& i) {
    std::int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d)
      off += (d == axis ? checked_index(idx[k], x.dims[d]) : i[d]) * strides[d];
    ++k;
    offsets.push_back(off);
  });
  return {take(x, out, offsets)};
}

std::vector<Constant> scatter_nd(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  if (n.get_string("reduction", "none") != "none") throw bad("only reduction 'none' is supported");
  Constant r = input(in, 0);
  const auto& idx = ints_of(in, 1);
  const Dims& idx_dims = input(in, 1).dims;
  const Constant& updates = input(in, 2);
  if (idx_dims.empty()) throw bad("indices must have rank >= 1");
  if (updates.is_float() != r.is_float()) throw bad("data and updates differ in element type");
  const auto k = static_cast<size_t>(idx_dims.back());
  if (k > r.dims.size()) throw bad("index tuples are longer than the data's rank");
  std::int64_t slice = 1;
  for (size_t d = k; d < r.dims.size(); ++d) slice *= r.dims[d];
  const std::int64_t tuples = element_count(idx_dims) / static_cast<std::int64_t>(k == 0 ? 1 : k);
  if (element_count(updates.dims) != tuples * slice)
    throw bad("updates " + dims_to_string(updates.dims) + " do not match indices " +
              dims_to_string(idx_dims));
  const Dims strides = strides_of(r.dims);
  for (std::int64_t t = 0; t < tuples; ++t) {
    std::int64_t off = 0;
    for (size_t d = 0; d < k; ++d)
      off += checked_index(idx[static_cast<size_t>(t) * k + d], r.dims[d]) * strides[d];
    for (std::int64_t e = 0; e < slice; ++e) {
      const auto dst = static_cast<size_t>(off + e), src = static_cast<size_t>(t * slice + e);
      if (r.is_float()) {
        r.floats[dst] = updates.floats[src];
      } else {
        r.ints[dst] = updates.ints[src];
      }
    }
  }
  return {r};
}

std::vector<Constant> trilu(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  Constant r = input(in, 0);
  if (r.dims.size() < 2) throw bad("input must have rank >= 2");
  const std::int64_t k = in.size() > 1 && in[1] ? static_cast<std::int64_t>(scalar_of(*in[1])) : 0;
  const bool upper = n.get_int("upper", 1) != 0;
  const std::int64_t rows = r.dims[r.dims.size() - 2], cols = r.dims.back();
  const std::int64_t count = element_count(r.dims);
  for (std::int64_t e = 0; e < count; ++e) {
    const std::int64_t i = (e / cols) % rows, j = e % cols;
    const bool keep = upper ? j - i >= k : j - i <= k;
    if (keep) continue;
    if (r.is_float()) {
      r.floats[static_cast<size_t>(e)] = 0.f;
    } else {
      r.ints[static_cast<size_t>(e)] = 0;
    }
  }
  return {r};
}

}  // namespace

void register_indexing(KernelTable& t) {
  t["Gather"] = gather;
  t["GatherElements"] = gather_elements;
  t["ScatterND"] = scatter_nd;
  t["Trilu"] = trilu;
}

}  // namespace flipguard::model::kernels
