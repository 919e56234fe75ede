#include "model/onnx_shape_rules.hpp"

#include <map>
#include <stdexcept>
#include <string>

#include "model/shape_rules.hpp"
#include "model/window.hpp"

namespace flipguard::model {
namespace {

// A rule of a single-output operator.
template <std::optional<Dims> (*rule)(const ShapeQuery&)>
OptionalShapes first_output(const ShapeQuery& in) {
  return {rule(in)};
}

std::optional<Dims> windowed(const ShapeQuery& in, const Dims& kernel, std::int64_t channels, bool ceil) {
  const Dims& x = in[0];
  if (x.size() < 3) throw std::invalid_argument("input must have rank >= 3, got " + dims_to_string(x));
  const Dims spatial(x.begin() + 2, x.end());
  const Window w = resolve_window(in.n, in.g.source, spatial, kernel, ceil);
  Dims out{x[0], channels};
  out.insert(out.end(), w.out.begin(), w.out.end());
  return out;
}

std::optional<Dims> conv(const ShapeQuery& in) {
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

std::optional<Dims> pool(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  const Dims& x = in[0];
  return windowed(in, in.n.get_ints("kernel_shape"), x.size() > 1 ? x[1] : 0, true);
}

std::optional<Dims> global_pool(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  Dims out = in[0];
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  return out;
}

std::optional<Dims> matmul(const ShapeQuery& in) {
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

std::optional<Dims> gemm(const ShapeQuery& in) {
  if (!in.known(0) || !in.known(1)) return std::nullopt;
  const Dims &a = in[0], &b = in[1];
  if (a.size() != 2 || b.size() != 2) throw std::invalid_argument("Gemm operands must be 2-D");
  const bool ta = in.n.get_int("transA", 0) != 0, tb = in.n.get_int("transB", 0) != 0;
  return Dims{ta ? a[1] : a[0], tb ? b[0] : b[1]};
}

std::optional<Dims> reshape(const ShapeQuery& in) {
  const auto shape = in.int_list(1, "shape");
  if (!in.known(0) || !shape) return std::nullopt;
  return reshape_dims(in[0], *shape, in.n.get_int("allowzero", 0) != 0, in.batch_widened);
}

std::optional<Dims> flatten(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  return flatten_dims(in[0], in.n.get_int("axis", 1));
}

std::optional<Dims> squeeze(const ShapeQuery& in) {
  const auto axes = in.int_list(1, "axes");
  if (!in.known(0) || !axes) return std::nullopt;
  return squeeze_dims(in[0], *axes);
}

std::optional<Dims> unsqueeze(const ShapeQuery& in) {
  const auto axes = in.int_list(1, "axes");
  if (!in.known(0) || !axes) return std::nullopt;
  return unsqueeze_dims(in[0], *axes);
}

std::optional<Dims> transpose(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  const Dims perm = transpose_perm(in[0].size(), in.n.get_ints("perm"));
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[0][static_cast<size_t>(perm[i])];
  return out;
}

std::optional<Dims> concat(const ShapeQuery& in) {
  std::vector<Dims> dims;
  for (size_t i = 0; i < in.n.inputs.size(); ++i) {
    if (!in.known(i)) return std::nullopt;
    dims.push_back(in[i]);
  }
  return concat_dims(dims, in.n.get_int("axis", 0));
}

std::optional<Dims> slice(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  if (in.g.opset < 10)
    return slice_range(in[0], in.n.get_ints("starts"), in.n.get_ints("ends"), in.n.get_ints("axes"), {}).out;
  const auto starts = in.int_list(1, ""), ends = in.int_list(2, ""), axes = in.int_list(3, ""),
             steps = in.int_list(4, "");
  if (!starts || !ends || !axes || !steps) return std::nullopt;
  return slice_range(in[0], *starts, *ends, *axes, *steps).out;
}

std::optional<Dims> expand(const ShapeQuery& in) {
  const auto shape = in.int_list(1, "");
  if (!in.known(0) || !shape) return std::nullopt;
  return expand_dims(in[0], *shape);
}

std::optional<Dims> gather(const ShapeQuery& in) {
  if (!in.known(0) || !in.known(1)) return std::nullopt;
  return gather_dims(in[0], in[1], in.n.get_int("axis", 0));
}

std::optional<Dims> gather_elements(const ShapeQuery& in) {
  if (!in.known(1)) return std::nullopt;
  return in[1];
}

std::optional<Dims> tile(const ShapeQuery& in) {
  const auto repeats = in.int_list(1, "");
  if (!in.known(0) || !repeats) return std::nullopt;
  if (repeats->size() != in[0].size()) throw std::invalid_argument("repeats must have one entry per dim");
  Dims out = in[0];
  for (size_t d = 0; d < out.size(); ++d) out[d] *= (*repeats)[d];
  return out;
}

std::optional<Dims> pad(const ShapeQuery& in) {
  const auto pads = in.g.opset >= 11 ? in.int_list(1, "") : std::optional<Dims>(in.n.get_ints("pads"));
  if (!in.known(0) || !pads) return std::nullopt;
  const Dims& x = in[0];
  if (pads->size() != 2 * x.size()) throw std::invalid_argument("pads has the wrong length");
  Dims out = x;
  for (size_t i = 0; i < x.size(); ++i) out[i] += (*pads)[i] + (*pads)[i + x.size()];
  return out;
}

std::optional<Dims> reduce(const ShapeQuery& in) {
  if (!in.known(0)) return std::nullopt;
  // ReduceSum takes its axes as an input since opset 13 (the others since 18).
  const bool axes_input = in.n.op_type == "ReduceSum" && in.g.opset >= 13;
  const auto axes = axes_input ? in.int_list(1, "") : std::optional<Dims>(in.n.get_ints("axes"));
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

// Split has one output per part.
OptionalShapes split(const ShapeQuery& in) {
  if (!in.known(0)) return {};
  const auto given = in.g.opset >= 13 ? in.int_list(1, "") : std::optional<Dims>(in.n.get_ints("split"));
  if (!given) return {};
  const std::int64_t axis = normalize_axis(in.n.get_int("axis", 0), static_cast<std::int64_t>(in[0].size()));
  const Dims sizes = split_sizes(in[0], axis, *given, in.n.outputs.size());
  OptionalShapes out(in.n.outputs.size());
  for (size_t i = 0; i < out.size(); ++i) {
    Dims d = in[0];
    d[static_cast<size_t>(axis)] = sizes[i];
    out[i] = d;
  }
  return out;
}

class OnnxShapeRules final : public ShapeRuleSource {
 public:
  const ShapeRule* shape_rule(const std::string& domain, const std::string& op_type) const override {
    if (!domain.empty()) return nullptr;
    const auto it = rules_.find(op_type);
    return it == rules_.end() ? nullptr : &it->second;
  }

 private:
  const std::map<std::string, ShapeRule> rules_ = {
      // The output keeps input 0's shape.
      {"Abs", same_shape_as_input},
      {"BatchNormalization", same_shape_as_input},
      {"Cast", same_shape_as_input},
      {"Ceil", same_shape_as_input},
      {"Celu", same_shape_as_input},
      {"Clip", same_shape_as_input},
      {"Dropout", same_shape_as_input},
      {"Elu", same_shape_as_input},
      {"Erf", same_shape_as_input},
      {"Exp", same_shape_as_input},
      {"Floor", same_shape_as_input},
      {"HardSigmoid", same_shape_as_input},
      {"HardSwish", same_shape_as_input},
      {"Identity", same_shape_as_input},
      {"LayerNormalization", same_shape_as_input},
      {"LeakyRelu", same_shape_as_input},
      {"Log", same_shape_as_input},
      {"LogSoftmax", same_shape_as_input},
      {"Mish", same_shape_as_input},
      {"Neg", same_shape_as_input},
      {"Not", same_shape_as_input},
      {"Reciprocal", same_shape_as_input},
      {"Relu", same_shape_as_input},
      {"Round", same_shape_as_input},
      {"ScatterElements", same_shape_as_input},
      {"ScatterND", same_shape_as_input},
      {"Selu", same_shape_as_input},
      {"Sigmoid", same_shape_as_input},
      {"Sign", same_shape_as_input},
      {"Softmax", same_shape_as_input},
      {"Softplus", same_shape_as_input},
      {"Sqrt", same_shape_as_input},
      {"Tanh", same_shape_as_input},
      {"Trilu", same_shape_as_input},
      // Numpy broadcasting of every input.
      {"Add", broadcast_of_inputs},
      {"And", broadcast_of_inputs},
      {"Div", broadcast_of_inputs},
      {"Equal", broadcast_of_inputs},
      {"Greater", broadcast_of_inputs},
      {"GreaterOrEqual", broadcast_of_inputs},
      {"Less", broadcast_of_inputs},
      {"LessOrEqual", broadcast_of_inputs},
      {"Max", broadcast_of_inputs},
      {"Mean", broadcast_of_inputs},
      {"Min", broadcast_of_inputs},
      {"Mod", broadcast_of_inputs},
      {"Mul", broadcast_of_inputs},
      {"Or", broadcast_of_inputs},
      {"Pow", broadcast_of_inputs},
      {"PRelu", broadcast_of_inputs},
      {"Sub", broadcast_of_inputs},
      {"Sum", broadcast_of_inputs},
      {"Where", broadcast_of_inputs},
      {"Xor", broadcast_of_inputs},
      // Their own rules, above.
      {"AveragePool", first_output<pool>},
      {"Concat", first_output<concat>},
      {"Conv", first_output<conv>},
      {"Expand", first_output<expand>},
      {"Flatten", first_output<flatten>},
      {"Gather", first_output<gather>},
      {"GatherElements", first_output<gather_elements>},
      {"Gemm", first_output<gemm>},
      {"GlobalAveragePool", first_output<global_pool>},
      {"GlobalMaxPool", first_output<global_pool>},
      {"MatMul", first_output<matmul>},
      {"MaxPool", first_output<pool>},
      {"Pad", first_output<pad>},
      {"ReduceL2", first_output<reduce>},
      {"ReduceMax", first_output<reduce>},
      {"ReduceMean", first_output<reduce>},
      {"ReduceMin", first_output<reduce>},
      {"ReduceProd", first_output<reduce>},
      {"ReduceSum", first_output<reduce>},
      {"Reshape", first_output<reshape>},
      {"Slice", first_output<slice>},
      {"Split", split},
      {"Squeeze", first_output<squeeze>},
      {"Tile", first_output<tile>},
      {"Transpose", first_output<transpose>},
      {"Unsqueeze", first_output<unsqueeze>},
  };
};

}  // namespace

const ShapeRuleSource& onnx_shape_rules() {
  static const OnnxShapeRules rules;
  return rules;
}

}  // namespace flipguard::model
