// The paper's variant "scale@logits": weights stay multiplied by their constants c_i through the whole
// network and only the logits are divided by the product of the constants, so a device skips the per-weight
// division. It is exact only for positively homogeneous networks: every operator between weighted layers must
// satisfy f(a x) = a f(x) for a > 0 (ReLU, max/average pooling, reshapes, concatenation and addition of
// equally scaled inputs), BatchNorm must be folded, and each bias is multiplied by the running product of
// constants up to its layer. Where that does not hold the plan is refused, naming the node.
#pragma once

#include <map>
#include <string>

#include "model/graph.hpp"

namespace flipguard::model {

struct LogitScalingPlan {
  std::map<std::string, double> weight_scale;  // weight tensor name -> c_i
  std::map<std::string, double> bias_scale;  // bias tensor name -> product of constants at its layer's output
  double output_scale = 1;                   // product at the graph output: logits are divided by it
};

// `max_abs` gives max|W| of each weight tensor that is scaled (stored weights); weights not listed keep c
// = 1. The constants start at t / max|W| and are lowered where two branches meet with different products
// (e.g. SqueezeNet's two expand convolutions share one constant). Throws std::invalid_argument naming the
// node when the network is not positively homogeneous or the products cannot be made equal.
LogitScalingPlan plan_logit_scaling(const Graph& graph, const std::map<std::string, float>& max_abs,
                                    double t);

}  // namespace flipguard::model
