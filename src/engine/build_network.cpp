#include "engine/build_network.hpp"

#include <stdexcept>
#include <utility>

#include "engine/build_context.hpp"
#include "engine/layout_plan.hpp"
#include "engine/op_registry.hpp"
#include "platform/memory_budget.hpp"

namespace flipguard::engine {

Network build_network(const model::Graph& graph, const model::Dims& input_dims, dnnl::engine& engine,
                      WeightSelection selection) {
  const auto& registry = builtin_ops();
  // The layout pass runs first: the builders below only read its plan.
  LayoutPlan layout(graph, input_dims.size() > 1 ? input_dims[1] : 0, LayoutTarget::this_cpu());
  BuildContext ctx(graph, std::move(layout), engine, selection);
  ctx.set_input(graph.inputs.at(0).name, input_dims, graph.inputs[0].integer);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const model::Node& n = graph.nodes[i];
    if (ctx.layout_plan().absorbed(i)) continue;  // built by the node that absorbed it
    const OpEntry* op = registry.find(n.domain, n.op_type);
    if (!op) throw std::logic_error(graph.source + ": " + n.describe() + " has no builder");
    ctx.begin_node(static_cast<int>(i));
    try {
      op->build(n, ctx);
    } catch (const std::invalid_argument& e) {  // shape rules (model/shape_rules.hpp)
      throw std::runtime_error(graph.source + ": " + n.describe() + ": " + e.what());
    } catch (const std::overflow_error& e) {
      throw std::runtime_error(graph.source + ": " + n.describe() + ": " + e.what());
    } catch (const std::bad_alloc&) {
      throw platform::out_of_memory(graph.source + ": building " + n.describe() + " (its kernel and weights)",
                                    0);
    } catch (const dnnl::error& e) {
      if (e.status == dnnl_out_of_memory)
        throw platform::out_of_memory(
            graph.source + ": building " + n.describe() + " (oneDNN: " + e.what() + ")", 0);
      throw std::runtime_error(graph.source + ": " + n.describe() + ": oneDNN refused it (" + e.what() + ")");
    }
  }
  ctx.begin_node(static_cast<int>(graph.nodes.size()));
  const int output = ctx.plain(graph.outputs.at(0).name);
  const std::string activations =
      graph.source + ": the activations at batch " + std::to_string(input_dims.at(0)) + " (memory plan)";
  platform::require_memory(ctx.plan().planned_bytes(), activations);
  try {
    return ctx.finish(output);
  } catch (const std::bad_alloc&) {
    throw platform::out_of_memory(activations, ctx.plan().planned_bytes());
  } catch (const dnnl::error& e) {
    if (e.status != dnnl_out_of_memory) throw;
    throw platform::out_of_memory(activations, ctx.plan().planned_bytes());
  }
}

}  // namespace flipguard::engine
