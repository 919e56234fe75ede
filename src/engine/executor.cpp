#include "engine/executor.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "model/fuse_activations.hpp"
#include "model/passes.hpp"
#include "platform/memory_budget.hpp"

namespace flipguard::engine {

Executor::Executor(model::Graph graph, const ExecutorOptions& options)
    : graph_(std::move(graph)), batch_(options.batch), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
  if (batch_ < 1) throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(batch_));
  if (options.threads > 0) omp_set_num_threads(options.threads);
  model::simplify(graph_);
  if (options.fold_batchnorm) folded_batchnorms_ = model::fold_batchnorm(graph_);

  // Check every operator before building anything, so an unsupported model fails at load time, clearly.
  const auto& registry = builtin_ops();
  for (const auto& n : graph_.nodes) {
    const OpEntry* e = registry.find(n.domain, n.op_type);
    if (!e)
      throw std::runtime_error(graph_.source + ": " + n.describe() + ": operator '" + n.op_type +
                               "' is not supported by flipguard's engine");
    for (const auto& [attr, value] : n.attributes)
      if (!e->attributes.count(attr))
        throw std::runtime_error(graph_.source + ": " + n.describe() + ": attribute '" + attr +
                                 "' is not supported by flipguard's engine");
    if (graph_.opset < e->min_opset || graph_.opset > e->max_opset)
      throw std::runtime_error(graph_.source + ": " + n.describe() + ": opset " +
                               std::to_string(graph_.opset) + " is outside the supported range " +
                               std::to_string(e->min_opset) + "-" + std::to_string(e->max_opset));
  }
  if (graph_.inputs.size() != 1)
    throw std::runtime_error(graph_.source +
                             ": the engine runs models with exactly one runtime input, this one has " +
                             std::to_string(graph_.inputs.size()));
  if (graph_.outputs.size() != 1)
    throw std::runtime_error(graph_.source +
                             ": the engine runs models with exactly one output, this one has " +
                             std::to_string(graph_.outputs.size()));

  input_dims_ = graph_.inputs[0].dims;
  if (input_dims_.empty()) throw std::runtime_error(graph_.source + ": the input has no declared shape");
  input_dims_[0] = batch_;
  for (auto d : input_dims_)
    if (d <= 0)
      throw std::runtime_error(graph_.source + ": input shape " +
                               model::dims_to_string(graph_.inputs[0].dims) +
                               " has a symbolic dimension other than the batch");

  // Declared shapes are untrusted: refuse an input that cannot fit before oneDNN sees or sizes anything.
  const std::string input_what = graph_.source + ": input " + model::dims_to_string(graph_.inputs[0].dims) +
                                 " at batch " + std::to_string(batch_);
  std::int64_t input_count = 0;
  try {
    input_count = model::element_count(input_dims_);
  } catch (const std::overflow_error& e) {
    throw std::runtime_error(input_what + ": " + e.what());
  }
  platform::require_memory(platform::saturating_bytes(input_count, sizeof(float)), input_what);

  // graph() keeps the ONNX operators that campaign code reads (e.g. scale@logits walks the Conv nodes): the
  // fused nodes exist only while the network is built.
  std::vector<model::Node> onnx_nodes = graph_.nodes;
  model::fuse_activations(graph_);
  ctx_ = std::make_unique<BuildContext>(graph_, engine_, options.weights);
  ctx_->set_input(graph_.inputs[0].name, input_dims_);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    ctx_->begin_node(static_cast<int>(i));
    try {
      registry.find(graph_.nodes[i].domain, graph_.nodes[i].op_type)->build(graph_.nodes[i], *ctx_);
    } catch (const std::overflow_error& e) {
      throw std::runtime_error(graph_.source + ": " + graph_.nodes[i].describe() + ": " + e.what());
    } catch (const dnnl::error& e) {
      throw std::runtime_error(graph_.source + ": " + graph_.nodes[i].describe() + ": oneDNN refused it (" +
                               e.what() + ")");
    }
  }
  ctx_->begin_node(static_cast<int>(graph_.nodes.size()));
  output_id_ = ctx_->plain(graph_.outputs[0].name);
  input_id_ = ctx_->graph_input_id();
  output_dims_ = ctx_->value(output_id_).dims;

  auto& plan = ctx_->plan();
  platform::require_memory(plan.planned_bytes(), graph_.source + ": the activations at batch " +
                                                     std::to_string(batch_) + " (memory plan)");
  plan.allocate();
  for (int id = 0; id < static_cast<int>(ctx_->values().size()); ++id) {
    const Value& v = ctx_->value(id);
    void* data =
        v.buffer >= 0 ? plan.data(v.buffer) : ctx_->constant_data()[ctx_->constant_buffers().at(id)].data();
    memories_.emplace_back(v.md, engine_, data);
  }
  weights_ = std::move(ctx_->weights());
  graph_.nodes = std::move(onnx_nodes);
}

Executor::~Executor() = default;

std::int64_t Executor::input_size() const {
  return model::element_count(input_dims_) / batch_;
}
std::int64_t Executor::output_size() const {
  return model::element_count(output_dims_) / batch_;
}

void Executor::load_input(const float* input, int count) {
  if (count < 1 || count > batch_)
    throw std::invalid_argument("run: count " + std::to_string(count) + " outside [1, " +
                                std::to_string(batch_) + "]");
  auto* in = static_cast<float*>(memories_[input_id_].get_data_handle());
  const auto per_in = static_cast<size_t>(input_size());
  std::memcpy(in, input, sizeof(float) * per_in * count);
  if (count < batch_) std::memset(in + per_in * count, 0, sizeof(float) * per_in * (batch_ - count));
}

void Executor::copy_output(int count, float* output) {
  // A full batch copies the whole output, even when its leading dim is not the batch (operator tests).
  const auto out_count = count == batch_ ? model::element_count(output_dims_) : output_size() * count;
  std::memcpy(output, memories_[output_id_].get_data_handle(),
              sizeof(float) * static_cast<size_t>(out_count));
}

void Executor::run(const float* input, int count, float* output) {
  load_input(input, count);
  for (auto& layer : ctx_->layers()) layer->execute(stream_, memories_);
  stream_.wait();
  copy_output(count, output);
}

int Executor::layer_count() const {
  return static_cast<int>(ctx_->layers().size());
}

std::vector<int> Executor::cut_points() const {
  const auto& nodes = ctx_->layer_nodes();
  std::vector<int> cuts;
  for (int k = 0; k < static_cast<int>(nodes.size()); ++k)
    if (k == 0 || nodes[k] != nodes[k - 1]) cuts.push_back(k);
  return cuts;
}

int Executor::cut_before(const std::string& weight) const {
  const auto it = ctx_->weight_nodes().find(weight);
  if (it == ctx_->weight_nodes().end())
    throw std::out_of_range(graph_.source + ": no stored weight named '" + weight + "'");
  const auto& nodes = ctx_->layer_nodes();
  // Layers of the weight's node and later may read it; cutting at that node's first layer keeps the
  // prefix independent of it.
  const auto first = std::lower_bound(nodes.begin(), nodes.end(), it->second);
  return static_cast<int>(first - nodes.begin());
}

void Executor::run_prefix(const float* input, int count, int cut) {
  const auto cuts = cut_points();
  if (!std::binary_search(cuts.begin(), cuts.end(), cut))
    throw std::invalid_argument(graph_.source + ": layer " + std::to_string(cut) +
                                " is not a cut point (the first layer of a graph node)");
  if (cut != cut_) {
    // A buffer holds a value live at the cut if a node before the cut defined it and a node at or after the
    // cut reads it (aliases, in-place results and fused readers extend the buffer's last use).
    const int node = ctx_->layer_nodes()[static_cast<size_t>(cut)];
    const auto& plan = ctx_->plan();
    std::vector<ActivationSnapshot::Range> ranges;
    for (int b = 0; b < plan.size(); ++b)
      if (plan.first_def(b) < node && plan.last_use(b) >= node)
        ranges.push_back({plan.data(b), plan.bytes(b)});
    snapshot_.reset(std::move(ranges));
    cut_ = cut;
  }
  load_input(input, count);
  auto& layers = ctx_->layers();
  for (int k = 0; k < cut; ++k) layers[static_cast<size_t>(k)]->execute(stream_, memories_);
  stream_.wait();
  snapshot_.capture();
  cut_count_ = count;
}

void Executor::run_suffix(float* output) {
  if (cut_ < 0) throw std::logic_error("run_suffix: run_prefix has not run");
  snapshot_.restore();
  auto& layers = ctx_->layers();
  for (size_t k = static_cast<size_t>(cut_); k < layers.size(); ++k) layers[k]->execute(stream_, memories_);
  stream_.wait();
  copy_output(cut_count_, output);
}

WeightSlot& Executor::weight(const std::string& name) {
  for (auto& w : weights_)
    if (w->name() == name) return *w;
  throw std::out_of_range(graph_.source + ": no stored weight named '" + name + "'");
}

std::int64_t Executor::stored_weight_count() const {
  std::int64_t n = 0;
  for (const auto& w : weights_) n += w->size();
  return n;
}

std::uint64_t Executor::activation_bytes() const {
  return ctx_->plan().allocated_bytes();
}

std::uint64_t Executor::weight_bytes() const {
  std::uint64_t bytes = ctx_->weight_buffer_bytes();
  for (const auto& [name, c] : graph_.constants)
    bytes += c.floats.size() * sizeof(float) + c.ints.size() * sizeof(std::int64_t);
  for (const auto& w : weights_) bytes += static_cast<std::uint64_t>(w->size()) * sizeof(float);
  for (const auto& data : ctx_->constant_data()) bytes += data.size() * sizeof(float);
  return bytes;
}

double Executor::flops_per_image() const {
  return ctx_->flops() / batch_;
}

std::string Executor::summary() const {
  std::ostringstream s;
  s << graph_.source << ": opset " << graph_.opset << ", " << graph_.nodes.size() << " nodes, "
    << folded_batchnorms_ << " BatchNorms folded, " << ctx_->layers().size() << " layers, batch " << batch_
    << "\n";
  s << "work: " << flops_per_image() * 1e-9 << " GFLOP per image\n";
  s << "stored weights: " << weights_.size() << " tensors, " << stored_weight_count() << " values\n";
  s << "activation memory: " << ctx_->plan().allocated_bytes() / (1 << 20) << " MiB allocated for "
    << ctx_->plan().requested_bytes() / (1 << 20) << " MiB of values\n";
  for (const auto& l : ctx_->layers()) s << "  " << l->describe() << "\n";
  return s.str();
}

}  // namespace flipguard::engine
