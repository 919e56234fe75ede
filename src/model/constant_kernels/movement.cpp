// Data movement on constants: views (Reshape, Flatten, Squeeze, Unsqueeze), Transpose, Concat, Slice,
// Split, Expand and Tile. Shapes come from model/shape_rules.hpp, the same rules the engine applies.
#include "model/constant_kernels/kernel_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::model::kernels {
namespace {

Constant with_dims(const Constant& x, Dims dims) {
  Constant c = x;
  c.dims = std::move(dims);
  return c;
}

// An attribute (older opsets) or, when present, an integer input (newer ones).
Dims list_operand(const Node& n, const std::vector<const Constant*>& in, size_t i, const char* attr) {
  if (i < in.size() && in[i]) return ints_of(in, i);
  return n.get_ints(attr);
}

std::vector<Constant> reshape(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  return {
      with_dims(x, reshape_dims(x.dims, list_operand(n, in, 1, "shape"), n.get_int("allowzero", 0) != 0))};
}

std::vector<Constant> flatten(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  return {with_dims(x, flatten_dims(x.dims, n.get_int("axis", 1)))};
}

std::vector<Constant> squeeze(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  return {with_dims(x, squeeze_dims(x.dims, list_operand(n, in, 1, "axes")))};
}

std::vector<Constant> unsqueeze(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  return {with_dims(x, unsqueeze_dims(x.dims, list_operand(n, in, 1, "axes")))};
}

std::vector<Constant> identity(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  return {input(in, 0)};
}

std::vector<Constant> transpose(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const Dims perm = transpose_perm(x.dims.size(), n.get_ints("perm"));
  const Dims in_strides = strides_of(x.dims);
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.dims[static_cast<size_t>(perm[i])];
  std::vector<std::int64_t> offsets;
  for_each_index(out, [&](const std::vector<std::int64_t>& idx) {
    std::int64_t off = 0;
    for (size_t i = 0; i < perm.size(); ++i) off += idx[i] * in_strides[static_cast<size_t>(perm[i])];
    offsets.push_back(off);
  });
  return {take(x, out, offsets)};
}

std::vector<Constant> concat(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  std::vector<Dims> dims;
  for (size_t i = 0; i < in.size(); ++i) dims.push_back(input(in, i).dims);
  const Dims out = concat_dims(dims, n.get_int("axis", 0));
  const auto axis =
      static_cast<size_t>(normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(out.size())));
  const bool is_float = input(in, 0).is_float();
  std::int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= out[d];
  for (size_t d = axis + 1; d < out.size(); ++d) inner *= out[d];
  Constant r;
  r.dims = out;
  r.integer = !is_float;
  for (std::int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < in.size(); ++i) {
      const Constant& c = *in[i];
      if (c.is_float() != is_float) throw bad("inputs differ in element type");
      const std::int64_t block = c.dims[axis] * inner;
      const auto begin = static_cast<std::ptrdiff_t>(o * block),
                 end = static_cast<std::ptrdiff_t>((o + 1) * block);
      if (is_float) {
        r.floats.insert(r.floats.end(), c.floats.begin() + begin, c.floats.begin() + end);
      } else {
        r.ints.insert(r.ints.end(), c.ints.begin() + begin, c.ints.begin() + end);
      }
    }
  return {r};
}

// Elements of a strided box of x: begin + idx * step per dim.
Constant strided(const Constant& x, const Dims& begin, const Dims& step, const Dims& out) {
  const Dims strides = strides_of(x.dims);
  std::vector<std::int64_t> offsets;
  for_each_index(out, [&](const std::vector<std::int64_t>& idx) {
    std::int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) off += (begin[d] + idx[d] * step[d]) * strides[d];
    offsets.push_back(off);
  });
  return take(x, out, offsets);
}

std::vector<Constant> slice(const Node& n, const std::vector<const Constant*>& in, std::int64_t opset) {
  const Constant& x = input(in, 0);
  const bool attrs = opset < 10;
  const Dims starts = attrs ? n.get_ints("starts") : ints_of(in, 1);
  const Dims ends = attrs ? n.get_ints("ends") : ints_of(in, 2);
  const Dims axes = attrs ? n.get_ints("axes") : list_operand(n, in, 3, "");
  const Dims steps = attrs ? Dims{} : list_operand(n, in, 4, "");
  const SliceRange r = slice_range(x.dims, starts, ends, axes, steps);
  return {strided(x, r.begin, r.step, r.out)};
}

std::vector<Constant> split(const Node& n, const std::vector<const Constant*>& in, std::int64_t opset) {
  const Constant& x = input(in, 0);
  const std::int64_t axis = normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(x.dims.size()));
  const Dims given = opset >= 13 ? list_operand(n, in, 1, "") : n.get_ints("split");
  const Dims sizes = split_sizes(x.dims, axis, given, n.outputs.size());
  std::vector<Constant> out;
  Dims begin(x.dims.size(), 0), step(x.dims.size(), 1);
  for (auto s : sizes) {
    Dims part = x.dims;
    part[static_cast<size_t>(axis)] = s;
    out.push_back(strided(x, begin, step, part));
    begin[static_cast<size_t>(axis)] += s;
  }
  return out;
}

std::vector<Constant> expand(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const Dims out = expand_dims(x.dims, ints_of(in, 1));
  return {take(x, out, broadcast_offsets(x.dims, out))};
}

std::vector<Constant> tile(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const Dims& repeats = ints_of(in, 1);
  if (repeats.size() != x.dims.size()) throw bad("repeats must have one entry per dim");
  Dims out(x.dims.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (repeats[d] < 0) throw bad("a negative repeat");
    out[d] = x.dims[d] * repeats[d];
  }
  const Dims strides = strides_of(x.dims);
  std::vector<std::int64_t> offsets;
  for_each_index(out, [&](const std::vector<std::int64_t>& idx) {
    std::int64_t off = 0;
    for (size_t d = 0; d < out.size(); ++d) off += (idx[d] % x.dims[d]) * strides[d];
    offsets.push_back(off);
  });
  return {take(x, out, offsets)};
}

}  // namespace

void register_movement(KernelTable& t) {
  t["Reshape"] = reshape;
  t["Flatten"] = flatten;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Identity"] = identity;
  t["Transpose"] = transpose;
  t["Concat"] = concat;
  t["Slice"] = slice;
  t["Split"] = split;
  t["Expand"] = expand;
  t["Tile"] = tile;
}

}  // namespace flipguard::model::kernels
