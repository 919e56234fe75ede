#include "model/constant_folding.hpp"

#include <optional>
#include <set>
#include <stdexcept>

#include "model/constant_kernels.hpp"
#include "model/shape_inference.hpp"

namespace flipguard::model {
namespace {

bool reads_only_shape(const Node& n) {
  return n.op_type == "Shape" || n.op_type == "Size";
}

// Tables a Gather reads stay stored weights (see the header).
bool is_table_lookup(const Node& n, const Graph& g) {
  if (n.op_type != "Gather" || n.inputs.empty()) return false;
  const auto it = g.constants.find(n.inputs[0]);
  return it != g.constants.end() && it->second.is_float() && it->second.dims.size() >= 2;
}

}  // namespace

FoldResult fold_constants(Graph& g, const std::map<std::string, Dims>& input_dims,
                          const ShapeRuleSource& rules) {
  FoldResult result;
  std::map<std::string, Dims> known = input_dims;  // shapes of run-time values
  bool batch_widened = false;
  if (!g.inputs.empty()) {
    const auto it = input_dims.find(g.inputs[0].name);
    batch_widened = it != input_dims.end() && !g.inputs[0].dims.empty() && g.inputs[0].dims[0] == 1 &&
                    !it->second.empty() && it->second[0] != 1;
  }
  auto dims_of = [&](const std::string& name) -> std::optional<Dims> {
    if (name.empty()) return std::nullopt;
    if (const auto c = g.constants.find(name); c != g.constants.end()) return c->second.dims;
    if (const auto k = known.find(name); k != known.end()) return k->second;
    return std::nullopt;
  };

  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    const ConstantKernel kernel = n.domain.empty() ? constant_kernel(n.op_type) : nullptr;
    bool all_constant = !n.inputs.empty();
    for (const auto& in : n.inputs) all_constant = all_constant && (in.empty() || g.is_constant(in));
    const bool shape_known = reads_only_shape(n) && !n.inputs.empty() && dims_of(n.inputs[0]).has_value();
    if (kernel && (all_constant || shape_known) && !is_table_lookup(n, g)) {
      std::vector<Constant> shape_only;     // Shape/Size of a computed value: its dims, no data
      shape_only.reserve(n.inputs.size());  // pointers into it must stay valid
      std::vector<const Constant*> inputs;
      for (const auto& in : n.inputs) {
        if (in.empty()) {
          inputs.push_back(nullptr);
        } else if (g.is_constant(in)) {
          inputs.push_back(&g.constants.at(in));
        } else {
          shape_only.push_back(Constant{*dims_of(in), {}, {}, false});
          inputs.push_back(&shape_only.back());
        }
      }
      std::vector<Constant> outputs;
      try {
        outputs = kernel(n, inputs, g.opset);
      } catch (const std::exception& e) {
        throw std::runtime_error(g.source + ": " + n.describe() +
                                 ": evaluating it at load time: " + e.what());
      }
      if (outputs.size() < n.outputs.size())
        throw std::logic_error(n.describe() + ": the constant kernel gave too few outputs");
      for (size_t i = 0; i < n.outputs.size(); ++i)
        if (!n.outputs[i].empty()) g.constants[n.outputs[i]] = std::move(outputs[i]);
      if (n.op_type == "Transpose" && !n.outputs[0].empty() && g.constants.at(n.inputs[0]).is_float()) {
        Dims perm = n.get_ints("perm");
        if (perm.empty())
          for (auto d = static_cast<std::int64_t>(g.constants.at(n.inputs[0]).dims.size()); d-- > 0;)
            perm.push_back(d);
        g.transposed[n.outputs[0]] = {n.inputs[0], perm};
      }
      ++result.folded;
      continue;
    }
    std::vector<std::optional<Dims>> in_dims;
    for (const auto& in : n.inputs) in_dims.push_back(dims_of(in));
    std::vector<std::optional<Dims>> out_dims;
    try {
      out_dims = infer_output_dims(n, g, in_dims, batch_widened, rules);
    } catch (const std::exception&) {
      // Inconsistent shapes: the engine reports them, naming the node, when it builds it.
      out_dims.assign(n.outputs.size(), std::nullopt);
    }
    for (size_t i = 0; i < n.outputs.size() && i < out_dims.size(); ++i)
      if (out_dims[i] && !n.outputs[i].empty()) known[n.outputs[i]] = *out_dims[i];
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);

  // Constants that only folded nodes read are gone from the model.
  std::set<std::string> used;
  for (const auto& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (const auto& o : g.outputs) used.insert(o.name);
  for (auto it = g.constants.begin(); it != g.constants.end();) {
    if (used.count(it->first)) {
      ++it;
    } else {
      it = g.constants.erase(it);
      ++result.pruned_constants;
    }
  }
  for (auto it = g.transposed.begin(); it != g.transposed.end();)
    it = g.constants.count(it->first) ? std::next(it) : g.transposed.erase(it);
  return result;
}

}  // namespace flipguard::model
