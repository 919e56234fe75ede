// What an operator builder sees while the executor is being built: the graph, the values computed so far
// (with their layouts), the memory plan, and where to put layers and stored weights. It fills a Network and
// hands it over at the end (finish()); nothing of the build outlives that.
#pragma once

#include <map>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "engine/blocked_layout.hpp"
#include "engine/layer.hpp"
#include "engine/layout_plan.hpp"
#include "engine/memory_plan.hpp"
#include "engine/network.hpp"
#include "engine/value.hpp"
#include "engine/weight_selection.hpp"
#include "engine/weight_slot.hpp"
#include "model/graph.hpp"
#include "model/graph_index.hpp"

namespace flipguard::engine {

class BuildContext {
 public:
  // `layout` is the layout pass's plan for `graph` (layout_plan.hpp).
  BuildContext(const model::Graph& graph, LayoutPlan layout, dnnl::engine& engine, WeightSelection selection);

  const model::Graph& graph() const { return graph_; }
  // Who produces and who reads each value of the graph.
  const model::GraphIndex& graph_index() const { return index_; }
  // The layouts and absorbed nodes decided before any kernel was built.
  const LayoutPlan& layout_plan() const { return layout_; }
  dnnl::engine& engine() { return engine_; }
  const WeightSelection& selection() const { return selection_; }

  // --- values ---
  // A float value (every activation but integer inputs); throws naming the node for an integer one.
  int id(const std::string& name);
  // An integer value (token ids: int32 after the executor's range check), read only as Gather indices.
  int index_id(const std::string& name);
  bool is_integer(const std::string& name) const;
  const Value& value(int id) const { return values_.at(id); }
  const Value& value(const std::string& name) { return values_.at(id(name)); }
  // The value in row-major layout: itself, or a reorder into a new plain value (inserted once, then reused).
  int plain(const std::string& name);
  // The value in layout `md`: itself when it has it, else a reorder into a new value `name#tag` (inserted
  // once, then reused; it lives as long as the original is read). `what` ends the reorder layer's name.
  int in_layout(const std::string& name, const dnnl::memory::desc& md, const std::string& tag,
                const std::string& what);
  // A value with its own new buffer, produced by the node being built.
  int define(const std::string& name, const Dims& dims, const dnnl::memory::desc& md);
  // A value sharing `source`'s buffer (a view, or an in-place result), from the same byte offset.
  int define_alias(const std::string& name, const Dims& dims, const dnnl::memory::desc& md, int source);
  // A strided view of `source`'s buffer (not a constant's): `strides` in elements, starting `offset`
  // elements past `source`'s start. No copy and no layer: a Transpose, a Split part, a Reshape of those. A
  // row-major result is an ordinary alias; any other is marked strided (Value::strided), and only
  // strided() gives it as it is.
  int define_strided_view(const std::string& name, const Dims& dims, const Dims& strides, int source,
                          std::int64_t offset);
  // The value as it is, a strided view included, for builders that read any strided layout (MatMul, the
  // view operators); id() and plain() give every other builder a row-major copy of a strided view instead.
  int strided(const std::string& name);
  // A concatenation without a copy: the buffers of `parts` (values computed earlier) move, in order, to the
  // byte offsets `offsets` of one new buffer, which the new value `name` (dims, md) then is. The parts'
  // producers write straight into it. Returns -1, changing nothing, when a part cannot move (the graph
  // input, a constant, a buffer shared with a value of another size, the same buffer twice).
  int define_concatenation(const std::string& name, const Dims& dims, const dnnl::memory::desc& md,
                           const std::vector<int>& parts, const std::vector<size_t>& offsets);
  // True if `source`'s buffer may be overwritten by the node being built: no later node reads it.
  bool can_overwrite(int source) const;
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
    net_.layers.push_back(std::move(layer));
    net_.layer_nodes.push_back(current_);
  }
  // Multiply-add work of the model (2 FLOPs per MAC), counted by Conv/Gemm/MatMul, for speed reports.
  void add_flops(double flops) { net_.flops += flops; }
  // Registers a stored weight, unless the selection excludes it (then the physical buffer is just fixed
  // data). `index(flat, idx)` maps an ONNX flat index to the index vector of the buffer's desc.
  // A tensor read by several nodes (each kernel with its own buffer) is one stored weight, whose writes reach
  // every buffer, when any of its readers' roles is selected; so is a constant the load-time folding made
  // as a Transpose of another constant (model::Graph::transposed) with that constant.
  template <class IndexMap>
  void add_weight(const std::string& name, const std::string& role, const Dims& dims,
                  std::vector<float> clean, const dnnl::memory& physical, IndexMap index) {
    register_weight(name, role, dims, std::move(clean), physical,
                    offset_map(physical.get_desc(), std::move(index)));
  }
  // Creates the oneDNN memory for `md` holding `logical` values (given in `logical_md`), reordering if
  // needed.
  dnnl::memory make_weight_memory(const dnnl::memory::desc& md, const dnnl::memory::desc& logical_md,
                                  const std::vector<float>& logical);
  std::string error(const model::Node& n, const std::string& problem) const;

  // --- driven by build_network ---
  void begin_node(int index) { current_ = index; }
  // The graph input; `integer` inputs hold int32 ids (the executor converts the caller's int64).
  void set_input(const std::string& name, const Dims& dims, bool integer);
  MemoryPlan& plan() { return net_.plan; }
  // Allocates the plan, binds a memory to every value and hands the network over; `output` is the value id
  // the executor copies results from.
  Network finish(int output);

 private:
  int last_use(const std::string& name) const;
  int lookup(const std::string& name);
  // True if the selection keeps tensors of this role as stored weights.
  bool selected(const std::string& role) const;
  void register_weight(std::string name, const std::string& role, Dims dims, std::vector<float> clean,
                       const dnnl::memory& physical, WeightSlot::OffsetMap offset);
  // Buffers of tensors no selected role has read yet: they join the stored weight if a later reader's role
  // is selected.
  struct PendingCopy {
    dnnl::memory physical;
    WeightSlot::OffsetMap offset;
    std::vector<float> clean;
    int node;
  };
  std::map<std::string, std::vector<PendingCopy>> pending_copies_;

  const model::Graph& graph_;
  model::GraphIndex index_;
  LayoutPlan layout_;
  dnnl::engine& engine_;
  WeightSelection selection_;
  std::vector<Value> values_;
  std::map<std::string, int> ids_;
  std::map<std::string, std::vector<int>>
      uses_;  // value name -> reading node indices (graph outputs: nodes.size())
  std::map<int, std::vector<int>> buffer_values_;  // buffer -> values living in it
  std::map<int, size_t> constant_buffers_;         // value id -> index into the network's constant_data
  int current_ = -1;
  int input_id_ = -1;
  bool batch_widened_ = false;
  Network net_;
};

}  // namespace flipguard::engine
