#include "model/logit_scaling.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <vector>

namespace flipguard::model {
namespace {

bool is_weighted(const Node& n) {
  return n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul";
}

bool is_homogeneous_unary(const Node& n) {
  static const std::set<std::string> ops{
      "Relu",    "LeakyRelu", "MaxPool",   "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten",
      "Reshape", "Squeeze",   "Unsqueeze", "Transpose",   "Identity",          "Dropout"};
  if (n.op_type == "Pad") return n.get_string("mode", "constant") == "constant" && n.inputs.size() < 3;
  return ops.count(n.op_type) != 0;
}

bool same(double a, double b) {
  return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}

}  // namespace

LogitScalingPlan plan_logit_scaling(const Graph& g, const std::map<std::string, float>& max_abs, double t) {
  if (!(t > 0)) throw std::invalid_argument("scale@logits: t must be positive");
  std::map<std::string, double> c;  // weighted node name -> constant
  std::map<std::string, const Node*> producer;
  for (const auto& n : g.nodes) {
    for (const auto& o : n.outputs) producer[o] = &n;
    if (!is_weighted(n)) continue;
    if (n.inputs.size() < 2 || !g.is_constant(n.inputs[1]))
      throw std::invalid_argument(
          g.source + ": " + n.describe() +
          ": scale@logits needs constant weights (a product of two activations is not "
          "homogeneous of degree 1)");
    auto it = max_abs.find(n.inputs[1]);
    c[n.name] = it == max_abs.end() || it->second <= 0 ? 1.0 : t / it->second;
  }
  // The weighted node whose output reaches `value` through homogeneous unary operators, if any.
  auto weighted_source = [&](std::string value) -> const Node* {
    while (producer.count(value)) {
      const Node* p = producer[value];
      if (is_weighted(*p)) return p;
      if (!is_homogeneous_unary(*p)) return nullptr;
      value = p->inputs.at(0);
    }
    return nullptr;
  };
  for (int round = 0; round < 64; ++round) {
    std::map<std::string, double> product;
    for (const auto& in : g.inputs) product[in.name] = 1.0;
    auto p_of = [&](const std::string& v) { return g.is_constant(v) ? 1.0 : product.at(v); };
    bool changed = false;
    LogitScalingPlan plan;
    for (const auto& n : g.nodes) {
      double p;
      if (is_weighted(n)) {
        p = p_of(n.inputs[0]) * c[n.name];
        plan.weight_scale[n.inputs[1]] = c[n.name];
        if (n.inputs.size() > 2 && !n.inputs[2].empty()) plan.bias_scale[n.inputs[2]] = p;
      } else if (is_homogeneous_unary(n)) {
        p = p_of(n.inputs.at(0));
      } else if (n.op_type == "Concat" || n.op_type == "Add") {
        for (const auto& in : n.inputs)
          if (g.is_constant(in))
            throw std::invalid_argument(
                g.source + ": " + n.describe() + ": " + n.op_type +
                " with a constant is not positively homogeneous; scale@logits refuses it");
        p = p_of(n.inputs[0]);
        bool equal = true;
        for (const auto& in : n.inputs) equal = equal && same(p_of(in), p);
        if (!equal) {
          // Lower the constants of the weighted layers feeding this merge to their minimum, if they all start
          // from the same product (SqueezeNet's expand1x1 / expand3x3); anything else cannot be made exact.
          std::vector<const Node*> sources;
          for (const auto& in : n.inputs) sources.push_back(weighted_source(in));
          double lowest = INFINITY;
          for (const auto* s : sources) {
            if (!s || !same(p_of(s->inputs[0]), p_of(sources[0] ? sources[0]->inputs[0] : n.inputs[0])))
              throw std::invalid_argument(
                  g.source + ": " + n.describe() +
                  ": its inputs carry different products of scaling constants and no common choice makes "
                  "them equal "
                  "(e.g. a residual connection); scale@logits is exact only for chains and concatenations of "
                  "equally scaled branches");
            lowest = std::min(lowest, c[s->name]);
          }
          for (const auto* s : sources) c[s->name] = lowest;
          changed = true;
          break;
        }
      } else {
        throw std::invalid_argument(
            g.source + ": " + n.describe() + ": " + n.op_type +
            " is not positively homogeneous, so dividing only the logits would not be exact; "
            "use per-layer 'scale' instead");
      }
      for (const auto& o : n.outputs) product[o] = p;
    }
    if (changed) continue;
    plan.output_scale = product.at(g.outputs.at(0).name);
    return plan;
  }
  throw std::invalid_argument(g.source + ": scale@logits: constants did not settle");
}

}  // namespace flipguard::model
