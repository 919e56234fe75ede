// What an operator builder sees while the executor is being built: the graph, the values computed so far
// (with their layouts), the memory plan, and where to put layers and stored weights.
#pragma once

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

// Which tensors are "stored weights" (patchable, exposed as WeightSlots). The rest are fixed constants.
struct WeightSelection {
  bool conv_gemm_weights = true;  // Conv, Gemm and MatMul weight tensors
  bool biases = false;            // their biases (after BatchNorm folding, the folded bias)
  bool batchnorm = false;         // scale/shift of BatchNorm layers left unfolded
};

class BuildContext {
 public:
  BuildContext(const model::Graph& graph, dnnl::engine& engine, WeightSelection selection);

  const model::Graph& graph() const { return graph_; }
  dnnl::engine& engine() { return engine_; }
  const WeightSelection& selection() const { return selection_; }

  // --- values ---
  int id(const std::string& name);
  const Value& value(int id) const { return values_.at(id); }
  const Value& value(const std::string& name) { return values_.at(id(name)); }
  // The value in row-major layout: itself, or a reorder into a new plain value (inserted once, then reused).
  int plain(const std::string& name);
  // A value with its own new buffer, produced by the node being built.
  int define(const std::string& name, const Dims& dims, const dnnl::memory::desc& md);
  // A value sharing `source`'s buffer (a view, or an in-place result).
  int define_alias(const std::string& name, const Dims& dims, const dnnl::memory::desc& md, int source);
  // True if `source`'s buffer may be overwritten by the node being built: no later node reads it.
  bool can_overwrite(int source) const;
  int graph_input_id() const { return input_id_; }
  // True when the model declares batch 1 but runs with a larger batch: a leading 1 in a Reshape target then
  // stands for the batch (exporters hard-code it).
  bool batch_widened() const { return batch_widened_; }

  // --- constants ---
  const model::Constant* constant(const std::string& name) const;
  const model::Constant& require_constant(const model::Node& n, size_t input) const;
  // A constant used as a tensor operand (e.g. the bias of an Add): plain layout, own buffer.
  int constant_value(const std::string& name);

  // --- outputs of the build ---
  void add_layer(std::unique_ptr<Layer> layer) {
    layers_.push_back(std::move(layer));
    layer_nodes_.push_back(current_);
  }
  // Multiply-add work of the model (2 FLOPs per MAC), counted by Conv/Gemm/MatMul, for speed reports.
  void add_flops(double flops) { flops_ += flops; }
  double flops() const { return flops_; }
  // Registers a stored weight, unless the selection excludes it (then the physical buffer is just fixed
  // data).
  void add_weight(const std::string& name, const std::string& role, const Dims& dims,
                  std::vector<float> clean, dnnl::memory physical, WeightSlot::IndexMap map);
  // Creates the oneDNN memory for `md` holding `logical` values (given in `logical_md`), reordering if
  // needed.
  dnnl::memory make_weight_memory(const dnnl::memory::desc& md, const dnnl::memory::desc& logical_md,
                                  const std::vector<float>& logical);

  // Bytes of every weight buffer made by make_weight_memory (stored weights or not).
  std::uint64_t weight_buffer_bytes() const { return weight_buffer_bytes_; }

  // Called by the executor.
  void begin_node(int index) { current_ = index; }
  void set_input(const std::string& name, const Dims& dims);
  std::vector<std::unique_ptr<Layer>>& layers() { return layers_; }
  // Graph node index each layer was built for (non-decreasing: layers run in node order).
  const std::vector<int>& layer_nodes() const { return layer_nodes_; }
  // Node index of the first node reading each registered stored weight.
  const std::map<std::string, int>& weight_nodes() const { return weight_nodes_; }
  std::vector<Value>& values() { return values_; }
  MemoryPlan& plan() { return plan_; }
  std::vector<std::unique_ptr<WeightSlot>>& weights() { return weights_; }
  std::vector<std::vector<float>>& constant_data() { return constant_data_; }
  // Value id -> index into constant_data (for constants living outside the plan).
  const std::map<int, size_t>& constant_buffers() const { return constant_buffers_; }
  std::string error(const model::Node& n, const std::string& problem) const;

 private:
  int last_use(const std::string& name) const;

  const model::Graph& graph_;
  dnnl::engine& engine_;
  WeightSelection selection_;
  std::vector<Value> values_;
  std::map<std::string, int> ids_;
  std::map<std::string, std::vector<int>>
      uses_;  // value name -> reading node indices (graph outputs: nodes.size())
  std::map<int, std::vector<int>> buffer_values_;  // buffer -> values living in it
  int current_ = -1;
  int input_id_ = -1;
  bool batch_widened_ = false;
  double flops_ = 0;
  std::uint64_t weight_buffer_bytes_ = 0;
  MemoryPlan plan_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<int> layer_nodes_;
  std::map<std::string, int> weight_nodes_;
  std::vector<std::unique_ptr<WeightSlot>> weights_;
  std::vector<std::vector<float>> constant_data_;
  std::map<int, size_t> constant_buffers_;
};

}  // namespace flipguard::engine
