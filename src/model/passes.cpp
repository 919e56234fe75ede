#include "model/passes.hpp"

#include <cmath>
#include <map>
#include <stdexcept>

namespace flipguard::model {
namespace {

void rename_uses(Graph& g, const std::string& from, const std::string& to) {
  for (auto& n : g.nodes)
    for (auto& in : n.inputs)
      if (in == from) in = to;
}

// The Node accessors' errors name the node; a pass adds the file.
std::int64_t int_attribute(const Graph& g, const Node& n, const char* attr, std::int64_t fallback) {
  try {
    return n.get_int(attr, fallback);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(g.source + ": " + e.what());
  }
}

float float_attribute(const Graph& g, const Node& n, const char* attr, float fallback) {
  try {
    return n.get_float(attr, fallback);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(g.source + ": " + e.what());
  }
}

}  // namespace

void simplify(Graph& g) {
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    if (n.op_type == "Constant") {
      const Constant* value = n.has("value") ? std::get_if<Constant>(&n.attributes.at("value")) : nullptr;
      if (!value)
        throw std::runtime_error(g.source + ": " + n.describe() +
                                 " has no 'value' tensor (only 'value' is supported)");
      g.constants[n.outputs.at(0)] = *value;
      continue;
    }
    const bool passthrough = n.op_type == "Identity" || n.op_type == "Dropout";
    bool is_output = false;
    for (const auto& o : g.outputs) is_output = is_output || o.name == n.outputs.at(0);
    if (passthrough && !is_output) {
      if (n.inputs.empty() || n.inputs[0].empty())
        throw std::runtime_error(g.source + ": " + n.describe() + " has no input");
      if (n.op_type == "Dropout" && n.outputs.size() > 1 && g.use_count(n.outputs[1]) > 0)
        throw std::runtime_error(g.source + ": " + n.describe() +
                                 ": its mask output is used, which inference cannot give");
      rename_uses(g, n.outputs[0], n.inputs.at(0));
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
}

int fold_batchnorm(Graph& g) {
  // Use counts of the graph as it was: nodes are moved out of g.nodes below.
  std::map<std::string, int> uses;
  for (const auto& n : g.nodes)
    for (const auto& in : n.inputs) ++uses[in];
  for (const auto& o : g.outputs) ++uses[o.name];
  int folded = 0;
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& bn = g.nodes[i];
    if (bn.op_type != "BatchNormalization" || kept.empty()) {
      kept.push_back(std::move(bn));
      continue;
    }
    // Find the producer among kept nodes.
    Node* conv = nullptr;
    for (auto& k : kept)
      if (k.op_type == "Conv" && !bn.inputs.empty() && k.outputs.at(0) == bn.inputs[0]) conv = &k;
    const bool foldable =
        conv && uses[conv->outputs[0]] == 1 && conv->inputs.size() >= 2 && g.is_constant(conv->inputs[1]) &&
        (conv->inputs.size() < 3 || conv->inputs[2].empty() || g.is_constant(conv->inputs[2])) &&
        bn.inputs.size() == 5 && int_attribute(g, bn, "training_mode", 0) == 0 &&
        int_attribute(g, bn, "spatial", 1) == 1 && g.is_constant(bn.inputs[1]) &&
        g.is_constant(bn.inputs[2]) && g.is_constant(bn.inputs[3]) && g.is_constant(bn.inputs[4]) &&
        uses[conv->inputs[1]] == 1;
    if (!foldable) {
      kept.push_back(std::move(bn));
      continue;
    }
    const auto& gamma = g.constants.at(bn.inputs[1]).floats;
    const auto& beta = g.constants.at(bn.inputs[2]).floats;
    const auto& mean = g.constants.at(bn.inputs[3]).floats;
    const auto& var = g.constants.at(bn.inputs[4]).floats;
    const float eps = float_attribute(g, bn, "epsilon", 1e-5f);
    Constant& w = g.constants.at(conv->inputs[1]);
    if (w.dims.empty() || w.dims[0] < 1 || w.floats.empty())
      throw std::runtime_error(g.source + ": " + conv->describe() + " has weight '" + conv->inputs[1] +
                               "' of shape " + dims_to_string(w.dims) + ", not [out_channels, ...] floats");
    const auto out_ch = static_cast<size_t>(w.dims[0]);
    if (gamma.size() != out_ch || beta.size() != out_ch || mean.size() != out_ch || var.size() != out_ch)
      throw std::runtime_error(g.source + ": " + bn.describe() + " has " + std::to_string(gamma.size()) +
                               " channels but the conv before it has " + std::to_string(out_ch));
    const size_t per_out = w.floats.size() / out_ch;
    std::vector<float> bias(out_ch, 0.0f);
    if (conv->inputs.size() >= 3 && !conv->inputs[2].empty()) bias = g.constants.at(conv->inputs[2]).floats;
    if (bias.size() != out_ch)
      throw std::runtime_error(g.source + ": " + conv->describe() + " has " + std::to_string(bias.size()) +
                               " bias values for " + std::to_string(out_ch) + " output channels");
    for (size_t o = 0; o < out_ch; ++o) {
      // Computed in double so folding adds no rounding beyond the final cast to fp32.
      const double s = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + eps);
      for (size_t k = 0; k < per_out; ++k)
        w.floats[o * per_out + k] = static_cast<float>(w.floats[o * per_out + k] * s);
      bias[o] = static_cast<float>((bias[o] - static_cast<double>(mean[o])) * s + beta[o]);
    }
    const std::string bias_name = conv->inputs[1] + ".folded_bias";
    g.constants[bias_name] = Constant{{static_cast<std::int64_t>(out_ch)}, bias, {}};
    conv->inputs.resize(3);
    conv->inputs[2] = bias_name;
    conv->outputs[0] = bn.outputs.at(0);
    ++folded;
  }
  g.nodes = std::move(kept);
  return folded;
}

}  // namespace flipguard::model
