#include "model/shape_rules.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace flipguard::model {
namespace {

std::invalid_argument bad(const std::string& problem) {
  return std::invalid_argument(problem);
}

}  // namespace

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank) {
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw bad("axis " + std::to_string(axis) + " is outside a tensor of rank " + std::to_string(rank));
  return a;
}

Dims left_pad(const Dims& d, size_t rank) {
  Dims r(rank - std::min(rank, d.size()), 1);
  r.insert(r.end(), d.begin(), d.end());
  return r;
}

Dims broadcast_dims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  const Dims ap = left_pad(a, rank), bp = left_pad(b, rank);
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (ap[i] != bp[i] && ap[i] != 1 && bp[i] != 1)
      throw bad("shapes " + dims_to_string(a) + " and " + dims_to_string(b) + " do not broadcast");
    out[i] = ap[i] == 1 ? bp[i] : ap[i];
  }
  return out;
}

Dims strides_of(const Dims& dims) {
  Dims s(dims.size());
  std::int64_t acc = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

Dims reshape_dims(const Dims& in, const Dims& shape, bool allow_zero, bool batch_widened) {
  const std::int64_t count = element_count(in);
  Dims out(shape.size());
  std::int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) {
      if (i >= in.size()) throw bad("0 in the target shape refers to a missing input dim");
      out[i] = in[i];
    } else if (shape[i] == -1) {
      if (infer >= 0) throw bad("more than one -1 in the target shape");
      infer = static_cast<std::int64_t>(i);
      continue;
    } else if (shape[i] < 0) {
      throw bad("negative dim " + std::to_string(shape[i]) + " in the target shape");
    } else {
      out[i] = shape[i];
    }
    known *= out[i];
  }
  // A hard-coded leading 1 with a batch of N: the -1 would absorb the batch, so keep the batch in front.
  if (infer >= 0) {
    if (batch_widened && out[0] == 1 && infer != 0 && !in.empty() && in[0] > 1 && shape[0] == 1)
      out[0] = in[0], known *= in[0];
    if (known == 0 || count % known != 0)
      throw bad("cannot infer the -1 of " + dims_to_string(shape) + " for " + dims_to_string(in));
    out[static_cast<size_t>(infer)] = count / known;
  }
  if (batch_widened && element_count(out) != count && !out.empty() && out[0] == 1 && !in.empty() &&
      in[0] * element_count(out) == count)
    out[0] = in[0];
  if (element_count(out) != count)
    throw bad("cannot view " + dims_to_string(in) + " as " + dims_to_string(out));
  return out;
}

Dims flatten_dims(const Dims& in, std::int64_t axis) {
  const auto rank = static_cast<std::int64_t>(in.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw bad("axis out of range");
  std::int64_t outer = 1;
  for (std::int64_t i = 0; i < axis; ++i) outer *= in[i];
  return {outer, outer == 0 ? 0 : element_count(in) / outer};
}

Dims squeeze_dims(const Dims& in, Dims axes) {
  const auto rank = static_cast<std::int64_t>(in.size());
  for (auto& a : axes) a = normalize_axis(a, rank);
  Dims out;
  for (std::int64_t i = 0; i < rank; ++i) {
    const bool listed = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (listed && in[i] != 1) throw bad("cannot squeeze a dimension of size " + std::to_string(in[i]));
    if (!(listed || (axes.empty() && in[i] == 1))) out.push_back(in[i]);
  }
  return out;
}

Dims unsqueeze_dims(const Dims& in, Dims axes) {
  const auto rank = static_cast<std::int64_t>(in.size() + axes.size());
  for (auto& a : axes) a = normalize_axis(a, rank);
  Dims out;
  size_t k = 0;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end()) {
      out.push_back(1);
    } else {
      if (k >= in.size()) throw bad("axes repeat or fall outside the result");
      out.push_back(in[k++]);
    }
  }
  return out;
}

Dims transpose_perm(size_t rank, Dims perm) {
  if (perm.empty()) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  if (perm.size() != rank)
    throw bad("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (auto p : perm) {
    if (p < 0 || p >= static_cast<std::int64_t>(rank) || seen[static_cast<size_t>(p)])
      throw bad("perm " + dims_to_string(perm) + " is not a permutation");
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

Dims concat_dims(const std::vector<Dims>& inputs, std::int64_t axis) {
  if (inputs.empty()) throw bad("no inputs");
  const Dims& first = inputs[0];
  const auto rank = static_cast<std::int64_t>(first.size());
  axis = normalize_axis(axis, rank);
  Dims out = first;
  out[static_cast<size_t>(axis)] = 0;
  for (const auto& d : inputs) {
    if (static_cast<std::int64_t>(d.size()) != rank) throw bad("inputs differ in rank");
    for (std::int64_t i = 0; i < rank; ++i)
      if (i != axis && d[i] != first[i])
        throw bad("input shape " + dims_to_string(d) + " does not match " + dims_to_string(first) +
                  " off the concat axis");
    out[static_cast<size_t>(axis)] += d[static_cast<size_t>(axis)];
  }
  return out;
}

Dims expand_dims(const Dims& in, const Dims& shape) {
  return broadcast_dims(in, shape);
}

Dims gather_dims(const Dims& data, const Dims& indices, std::int64_t axis) {
  const auto a = static_cast<size_t>(normalize_axis(axis, static_cast<std::int64_t>(data.size())));
  Dims out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(a));
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(a) + 1, data.end());
  return out;
}

SliceRange slice_range(const Dims& in, const Dims& starts, const Dims& ends, Dims axes, Dims steps) {
  const auto rank = static_cast<std::int64_t>(in.size());
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw bad("starts/ends/axes/steps differ in length");
  SliceRange r{Dims(in.size(), 0), Dims(in.size(), 1), in};
  for (size_t k = 0; k < starts.size(); ++k) {
    const auto a = static_cast<size_t>(normalize_axis(axes[k], rank));
    const std::int64_t dim = in[a], st = steps[k];
    if (st == 0) throw bad("a step is 0");
    // Exporters write INT64_MAX/MIN for "to the end": clamp before adding the dim.
    std::int64_t s = std::clamp<std::int64_t>(starts[k], -dim - 1, dim + 1);
    std::int64_t e = std::clamp<std::int64_t>(ends[k], -dim - 1, dim + 1);
    s = s < 0 ? s + dim : s;
    e = e < 0 ? e + dim : e;
    if (st > 0) {
      s = std::clamp<std::int64_t>(s, 0, dim);
      e = std::clamp<std::int64_t>(e, 0, dim);
      r.out[a] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<std::int64_t>(s, 0, dim - 1);
      e = std::clamp<std::int64_t>(e, -1, dim - 1);
      r.out[a] = s > e ? (s - e - st - 1) / (-st) : 0;
    }
    r.begin[a] = s;
    r.step[a] = st;
  }
  return r;
}

Dims split_sizes(const Dims& in, std::int64_t axis, const Dims& sizes, size_t outputs) {
  const auto a = static_cast<size_t>(normalize_axis(axis, static_cast<std::int64_t>(in.size())));
  if (!sizes.empty()) {
    if (sizes.size() != outputs)
      throw bad(std::to_string(sizes.size()) + " split sizes for " + std::to_string(outputs) + " outputs");
    std::int64_t total = 0;
    for (auto s : sizes) {
      if (s < 0) throw bad("a negative split size");
      total += s;
    }
    if (total != in[a])
      throw bad("split sizes " + dims_to_string(sizes) + " do not add up to the dim " +
                std::to_string(in[a]));
    return sizes;
  }
  if (outputs == 0) throw bad("no outputs");
  // Equal parts; since opset 18 the last may be smaller, which ceil division covers.
  const auto n = static_cast<std::int64_t>(outputs);
  const std::int64_t part = (in[a] + n - 1) / n;
  Dims out(outputs, part);
  out.back() = in[a] - part * (n - 1);
  if (out.back() < 0) throw bad("dim " + std::to_string(in[a]) + " cannot split into " + std::to_string(n));
  return out;
}

std::optional<Dims> int_list_operand(const Node& n, const Graph& g, size_t input, const char* attr) {
  if (n.inputs.size() > input && !n.inputs[input].empty()) {
    const auto it = g.constants.find(n.inputs[input]);
    if (it == g.constants.end()) return std::nullopt;
    if (it->second.is_float() && !it->second.floats.empty())
      throw bad("input '" + n.inputs[input] + "' must hold integers");
    return it->second.ints;
  }
  return n.get_ints(attr);
}

}  // namespace flipguard::model
