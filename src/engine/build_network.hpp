// Builds the Network for a graph: the layout pass (layout_plan.hpp) first, then every node not absorbed
// through its registered operator builder, in node order, then the activation memory plan checked against
// the memory budget and allocated.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/network.hpp"
#include "engine/weight_selection.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

// `graph` is checked (supported operators, one input, one output) and fused; `input_dims` is its input's
// shape at the executor's batch. Errors name the file and the node.
Network build_network(const model::Graph& graph, const model::Dims& input_dims, dnnl::engine& engine,
                      WeightSelection selection);

}  // namespace flipguard::engine
