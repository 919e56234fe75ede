// What a build leaves for execution: the layers in run order, a oneDNN memory bound to each value, the
// activation memory plan behind them, the stored weights, and the bookkeeping that cuts and memory estimates
// read. The executor owns it; the BuildContext that filled it is gone once the build ends.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "engine/layer.hpp"
#include "engine/memory_plan.hpp"
#include "engine/value.hpp"
#include "engine/weight_slot.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

struct Network {
  std::vector<std::unique_ptr<Layer>> layers;
  // Index of the (fused) graph node each layer was built for: non-decreasing, layers run in node order.
  std::vector<int> layer_nodes;
  // Index of the first node reading each stored weight.
  std::map<std::string, int> weight_nodes;
  std::vector<std::unique_ptr<WeightSlot>> weights;
  MemoryPlan plan;
  // Constants used as tensor operands (e.g. the bias of an Add), plain layout, outside the plan.
  std::vector<std::vector<float>> constant_data;
  // One memory per value id: its layout over its plan buffer or constant data.
  std::vector<dnnl::memory> memories;
  // Each value id's record (name, dims, layout, defining node, buffer): what the value hook lists.
  std::vector<Value> values;
  int input_id = -1, output_id = -1;
  // Every value living in the input's buffer (the input and its views: Reshape, Flatten...) with its byte
  // offset there: run() points them at the caller's images instead of copying those in.
  std::vector<std::pair<int, size_t>> input_views;
  model::Dims output_dims;
  // Multiply-add work of the batch (2 FLOPs per MAC), counted by Conv/Gemm/MatMul, for speed reports.
  double flops = 0;
  // Bytes of every oneDNN weight buffer (stored weights or not).
  std::uint64_t weight_buffer_bytes = 0;
};

}  // namespace flipguard::engine
