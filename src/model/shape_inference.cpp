#include "model/shape_inference.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "model/shape_rules.hpp"
#include "model/window.hpp"

namespace flipguard::model {
namespace {

using Shapes = std::vector<std::optional<Dims>>;

struct Inputs {
  const Node& n;
  const Graph& g;
  const Shapes& dims;
  bool batch_widened;

  bool known(size_t i) const { return i < dims.size() && dims[i].has_value(); }
  const Dims& operator[](size_t i) const { return *dims.at(i); }
  bool present(size_t i) const { return i < n.inputs.size() && !n.inputs[i].empty(); }
};

using Rule = std::function<std::optional<Dims>(const Inputs&)>;

const std::set<std::string> kSameShape = {"Relu",
                                          "LeakyRelu",
                                          "Sigmoid",
                                          "Tanh",
                                          "HardSwish",
                                          "HardSigmoid",
                                          "Elu",
                                          "Exp",
                                          "Abs",
                                          "Sqrt",
                                          "Neg",
                                          "Clip",
                                          "Erf",
                                          "Softmax",
                                          "LogSoftmax",
                                          "Identity",
                                          "Dropout",
                                          "Cast",
                                          "Not",
                                          "Reciprocal",
                                          "Floor",
                                          "Ceil",
                                          "Round",
                                          "Sign",
                                          "Log",
                                          "Softplus",
                                          "BatchNormalization",
                                          "LayerNormalization",
                                          "ScatterND",
                                          "ScatterElements",
                                          "Trilu",
                                          "Selu",
                                          "Mish",
                                          "Celu"};

const std::set<std::string> kBroadcast = {
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less",  "Greater", "LessOrEqual", "GreaterOrEqual",
    "And", "Or",  "Xor", "Max", "Min", "Sum", "Mean",  "Where", "PRelu"};

std::optional<Dims> same_shape(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  return in[0];
}

std::optional<Dims> broadcast(const Inputs& in) {
  Dims out;
  for (size_t i = 0; i < in.n.inputs.size(); ++i) {
    if (!in.known(i)) return std::nullopt;
    out = i == 0 ? in[0] : broadcast_dims(out, in[i]);
  }
  return out;
}

std::optional<Dims> windowed(const Inputs& in, const Dims& kernel, std::int64_t channels, bool ceil) {
  const Dims& x = in[0];
  if (x.size() < 3) throw std::invalid_argument("input must have rank >= 3, got " + dims_to_string(x));
  const Dims spatial(x.begin() + 2, x.end());
  const Window w = resolve_window(in.n, in.g.source, spatial, kernel, ceil);
  Dims out{x[0], channels};
  out.insert(out.end(), w.out.begin(), w.out.end());
  return out;
}

std::optional<Dims> conv(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  const auto it = in.g.constants.find(in.n.inputs.at(1));
  Dims w;
  if (it != in.g.constants.end()) {
    w = it->second.dims;
  } else if (in.known(1)) {
    w = in[1];
  } else {
    return std::nullopt;
  }
  if (w.size() < 3) throw std::invalid_argument("weights must have rank >= 3");
  return windowed(in, Dims(w.begin() + 2, w.end()), w[0], false);
}

std::optional<Dims> pool(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  const Dims& x = in[0];
  return windowed(in, in.n.get_ints("kernel_shape"), x.size() > 1 ? x[1] : 0, true);
}

std::optional<Dims> global_pool(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  Dims out = in[0];
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  return out;
}

std::optional<Dims> matmul(const Inputs& in) {
  if (!in.known(0) || !in.known(1)) return std::nullopt;
  Dims a = in[0], b = in[1];
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a.empty() || b.empty()) throw std::invalid_argument("MatMul of a scalar");
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  if (a.back() != b[b.size() - 2])
    throw std::invalid_argument("A " + dims_to_string(in[0]) + " and B " + dims_to_string(in[1]) +
                                " do not multiply");
  const Dims batch = broadcast_dims(Dims(a.begin(), a.end() - 2), Dims(b.begin(), b.end() - 2));
  Dims out = batch;
  if (!a_vec) out.push_back(a[a.size() - 2]);
  if (!b_vec) out.push_back(b.back());
  return out;
}

std::optional<Dims> gemm(const Inputs& in) {
  if (!in.known(0) || !in.known(1)) return std::nullopt;
  const Dims &a = in[0], &b = in[1];
  if (a.size() != 2 || b.size() != 2) throw std::invalid_argument("Gemm operands must be 2-D");
  const bool ta = in.n.get_int("transA", 0) != 0, tb = in.n.get_int("transB", 0) != 0;
  return Dims{ta ? a[1] : a[0], tb ? b[0] : b[1]};
}

// A shape operand: a constant input (newer opsets) or an attribute (older ones).
std::optional<Dims> operand(const Inputs& in, size_t i, const char* attr) {
  return int_list_operand(in.n, in.g, i, attr);
}

std::optional<Dims> reshape(const Inputs& in) {
  const auto shape = operand(in, 1, "shape");
  if (!in.known(0) || !shape) return std::nullopt;
  return reshape_dims(in[0], *shape, in.n.get_int("allowzero", 0) != 0, in.batch_widened);
}

std::optional<Dims> flatten(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  return flatten_dims(in[0], in.n.get_int("axis", 1));
}

std::optional<Dims> squeeze(const Inputs& in) {
  const auto axes = operand(in, 1, "axes");
  if (!in.known(0) || !axes) return std::nullopt;
  return squeeze_dims(in[0], *axes);
}

std::optional<Dims> unsqueeze(const Inputs& in) {
  const auto axes = operand(in, 1, "axes");
  if (!in.known(0) || !axes) return std::nullopt;
  return unsqueeze_dims(in[0], *axes);
}

std::optional<Dims> transpose(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  const Dims perm = transpose_perm(in[0].size(), in.n.get_ints("perm"));
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[0][static_cast<size_t>(perm[i])];
  return out;
}

std::optional<Dims> concat(const Inputs& in) {
  std::vector<Dims> dims;
  for (size_t i = 0; i < in.n.inputs.size(); ++i) {
    if (!in.known(i)) return std::nullopt;
    dims.push_back(in[i]);
  }
  return concat_dims(dims, in.n.get_int("axis", 0));
}

std::optional<Dims> slice(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  if (in.g.opset < 10)
    return slice_range(in[0], in.n.get_ints("starts"), in.n.get_ints("ends"), in.n.get_ints("axes"), {}).out;
  const auto starts = operand(in, 1, ""), ends = operand(in, 2, ""), axes = operand(in, 3, ""),
             steps = operand(in, 4, "");
  if (!starts || !ends || !axes || !steps) return std::nullopt;
  return slice_range(in[0], *starts, *ends, *axes, *steps).out;
}

std::optional<Dims> expand(const Inputs& in) {
  const auto shape = operand(in, 1, "");
  if (!in.known(0) || !shape) return std::nullopt;
  return expand_dims(in[0], *shape);
}

std::optional<Dims> gather(const Inputs& in) {
  if (!in.known(0) || !in.known(1)) return std::nullopt;
  return gather_dims(in[0], in[1], in.n.get_int("axis", 0));
}

std::optional<Dims> gather_elements(const Inputs& in) {
  if (!in.known(1)) return std::nullopt;
  return in[1];
}

std::optional<Dims> tile(const Inputs& in) {
  const auto repeats = operand(in, 1, "");
  if (!in.known(0) || !repeats) return std::nullopt;
  if (repeats->size() != in[0].size()) throw std::invalid_argument("repeats must have one entry per dim");
  Dims out = in[0];
  for (size_t d = 0; d < out.size(); ++d) out[d] *= (*repeats)[d];
  return out;
}

std::optional<Dims> pad(const Inputs& in) {
  const auto pads = in.g.opset >= 11 ? operand(in, 1, "") : std::optional<Dims>(in.n.get_ints("pads"));
  if (!in.known(0) || !pads) return std::nullopt;
  const Dims& x = in[0];
  if (pads->size() != 2 * x.size()) throw std::invalid_argument("pads has the wrong length");
  Dims out = x;
  for (size_t i = 0; i < x.size(); ++i) out[i] += (*pads)[i] + (*pads)[i + x.size()];
  return out;
}

std::optional<Dims> reduce(const Inputs& in) {
  if (!in.known(0)) return std::nullopt;
  // ReduceSum takes its axes as an input since opset 13 (the others since 18).
  const bool axes_input = in.n.op_type == "ReduceSum" && in.g.opset >= 13;
  const auto axes = axes_input ? operand(in, 1, "") : std::optional<Dims>(in.n.get_ints("axes"));
  if (!axes) return std::nullopt;
  const Dims& x = in[0];
  const auto rank = static_cast<std::int64_t>(x.size());
  std::vector<bool> reduced(x.size(), axes->empty() && in.n.get_int("noop_with_empty_axes", 0) == 0);
  for (auto a : *axes) reduced[static_cast<size_t>(normalize_axis(a, rank))] = true;
  const bool keep = in.n.get_int("keepdims", 1) != 0;
  Dims out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!reduced[i]) {
      out.push_back(x[i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  return out;
}

const std::map<std::string, Rule>& rules() {
  static const std::map<std::string, Rule> table = {
      {"Conv", conv},
      {"MaxPool", pool},
      {"AveragePool", pool},
      {"GlobalAveragePool", global_pool},
      {"GlobalMaxPool", global_pool},
      {"MatMul", matmul},
      {"Gemm", gemm},
      {"Reshape", reshape},
      {"Flatten", flatten},
      {"Squeeze", squeeze},
      {"Unsqueeze", unsqueeze},
      {"Transpose", transpose},
      {"Concat", concat},
      {"Slice", slice},
      {"Expand", expand},
      {"Gather", gather},
      {"GatherElements", gather_elements},
      {"Tile", tile},
      {"Pad", pad},
      {"ReduceMean", reduce},
      {"ReduceSum", reduce},
      {"ReduceMax", reduce},
      {"ReduceMin", reduce},
      {"ReduceProd", reduce},
      {"ReduceL2", reduce},
  };
  return table;
}

}  // namespace

std::vector<std::optional<Dims>> infer_output_dims(const Node& n, const Graph& g,
                                                   const std::vector<std::optional<Dims>>& inputs,
                                                   bool batch_widened) {
  std::vector<std::optional<Dims>> out(n.outputs.size());
  if (!n.domain.empty() || out.empty()) return out;
  const Inputs in{n, g, inputs, batch_widened};
  if (n.op_type == "Split") {
    if (!in.known(0)) return out;
    const auto given = g.opset >= 13 ? operand(in, 1, "") : std::optional<Dims>(n.get_ints("split"));
    if (!given) return out;
    const std::int64_t axis = normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(in[0].size()));
    const Dims sizes = split_sizes(in[0], axis, *given, n.outputs.size());
    for (size_t i = 0; i < out.size(); ++i) {
      Dims d = in[0];
      d[static_cast<size_t>(axis)] = sizes[i];
      out[i] = d;
    }
    return out;
  }
  if (kSameShape.count(n.op_type)) {
    out[0] = same_shape(in);
  } else if (kBroadcast.count(n.op_type)) {
    out[0] = broadcast(in);
  } else if (const auto it = rules().find(n.op_type); it != rules().end()) {
    out[0] = it->second(in);
  }
  return out;
}

}  // namespace flipguard::model
