#include "engine/executor.hpp"

#include <omp.h>

#include <algorithm>
#include <cfenv>
#include <chrono>
#include <climits>
#include <cstring>
#include <functional>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>
#include <stdexcept>

#include "engine/activation_snapshot.hpp"
#include "engine/build_network.hpp"
#include "engine/network.hpp"
#include "engine/op_registry.hpp"
#include "engine/value_view.hpp"
#include "engine/written_values.hpp"
#include "model/constant_folding.hpp"
#include "model/constant_kernels.hpp"
#include "model/fold_pad.hpp"
#include "model/fuse_activations.hpp"
#include "model/fuse_gelu.hpp"
#include "model/fuse_layernorm.hpp"
#include "model/fuse_silu.hpp"
#include "model/io_signature.hpp"
#include "model/passes.hpp"
#include "platform/memory_budget.hpp"

namespace flipguard::engine {

struct Executor::Impl {
  Impl(model::Graph g, const ExecutorOptions& options);

  // Checks every operator before building anything, so an unsupported model fails at load time, clearly:
  // every unsupported operator type at once, with its count and first node.
  void check_supported() const;
  void check_inputs_outputs() const;
  // The input's shape at the executor's batch, refused before anything is sized if it cannot fit.
  Dims batch_input_dims() const;
  // Copies `count` images into the network's own input buffer (zeros after them).
  void load_input(const float* input, int count);
  // Refuses a `count` outside [1, batch].
  void check_count(int count) const;
  // Points the input and its views at `data`: the caller's full batch, read in place, or own_input.
  void bind_input(const void* data);
  void load_ids(const std::int64_t* ids, int count);
  // Runs layers [begin, end). Where a layer has a faithful kernel (layer.hpp) and the run raised the
  // invalid-operation flag (a NaN met a comparison, or was made), `reset` puts back what the range reads and
  // the range runs again with the faithful kernels: a NaN then propagates as in PyTorch.
  // `report`: the armed hook (if any) hears of the values the range completes (run_prefix passes false).
  void run_layers(size_t begin, size_t end, const std::function<void()>& reset = {}, bool report = true);
  // Runs layers [begin, end) with the fast kernels, telling `hook` (null: nobody) of each value completed;
  // from the first value after which the hook finds a NaN likely (ValueHook::nan_likely), with the
  // faithful kernels. When a NaN met a fast kernel, the range must run again, faithfully: returns the layer
  // through which the hook heard of the values (begin when no rerun is needed).
  size_t run_fast_then_faithful(size_t begin, size_t end, ValueHook* hook);
  // Runs layers [begin, end), fast or faithful, telling `hook` (null: nobody) of each value completed: a
  // repeat for the values of layers before `reported`.
  void execute(size_t begin, size_t end, bool faithful, ValueHook* hook, size_t reported);
  // Tells the hook of the armed values layers [0, ready) complete.
  void report_values(size_t ready, bool repeat);
  // A run of `images` images starts: the armed hook hears it, and the views cover these images.
  void start_run(int images);
  void copy_output(int count, float* output);
  // Executor::profile_layers, with `load` putting a full batch in.
  std::vector<std::pair<std::string, double>> profile_layers(const std::function<void()>& load, int runs);

  model::Graph graph;
  int batch;
  int folded_batchnorms = 0;
  model::FoldResult folded;
  int fused_layernorms = 0, fused_gelus = 0, fused_silus = 0;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  Dims input_dims;
  Network net;
  ActivationSnapshot snapshot;
  int cut = -1, cut_count = 0;
  void* own_input = nullptr;         // the plan's buffer for the input
  std::vector<int> faithful_before;  // [k]: layers with a faithful kernel among the first k
  long faithful_runs = 0;            // runs repeated with them
  long faithful_switches = 0;        // runs that went on with them after a hook found a NaN likely
  std::int64_t layers_executed = 0;  // by execute(), over the executor's life

  std::vector<WrittenSite> written;  // the values a hook can be armed for, in run order
  struct Armed {
    int index;  // in the armed list
    int id;     // value id
    std::unique_ptr<MemoryValueView> view;
  };
  ValueHook* hook = nullptr;
  // [k]: the armed values layers [0, k) complete, in run order (empty for every k when nothing is armed).
  std::vector<std::vector<Armed>> ready_at;
  int run_images = 0;
};

namespace {

// The floating-point exception flags are per thread: read on every thread of the OpenMP team that oneDNN and
// the plain kernels run on, and cleared there for the next run in the same parallel region (one region per
// run; the calling thread, which runs other code between runs, is cleared before each run as well). A flag
// that other OpenMP work left on a pool thread costs at most one needless faithful run.
bool invalid_raised_and_clear() {
  int raised = 0;
#pragma omp parallel reduction(| : raised)
  {
    raised |= std::fetestexcept(FE_INVALID) != 0;
    std::feclearexcept(FE_INVALID);
  }
  return raised != 0;
}

}  // namespace

Executor::Impl::Impl(model::Graph g, const ExecutorOptions& options)
    : graph(std::move(g)), batch(options.batch) {
  if (batch < 1) throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(batch));
  if (options.threads > 0) omp_set_num_threads(options.threads);
  model::simplify(graph);
  check_inputs_outputs();
  // A graph exported at a fixed batch hard-codes it in places (a Reshape to [N, -1], say): it runs as
  // exported.
  if (const auto fixed = model::fixed_batch(graph); fixed > 0) batch = static_cast<int>(fixed);
  input_dims = batch_input_dims();
  // With the batch fixed, shape computations are constants: only the network's own work is left to build.
  // The operator registry gives the shape rules, its own operators' included.
  folded = model::fold_constants(graph, {{graph.inputs[0].name, input_dims}}, builtin_ops());
  if (options.fold_batchnorm) folded_batchnorms = model::fold_batchnorm(graph);
  check_supported();
  // graph() keeps the ONNX operators that campaign code reads (e.g. scale@logits walks the Conv nodes): the
  // fused nodes exist only while the network is built.
  std::vector<model::Node> onnx_nodes = graph.nodes;
  fused_layernorms = model::fuse_layernorm(graph);
  fused_gelus = model::fuse_gelu(graph);
  fused_silus = model::fuse_silu(graph);
  model::fold_pad(graph);
  model::fuse_activations(graph, model::keep_selected(options.unfused, graph));
  net = build_network(graph, input_dims, engine, options.weights);
  written = find_written_values(net, graph, onnx_nodes, batch);
  graph.nodes = std::move(onnx_nodes);
  own_input = net.memories[net.input_id].get_data_handle();
  faithful_before.assign(net.layers.size() + 1, 0);
  for (size_t k = 0; k < net.layers.size(); ++k)
    faithful_before[k + 1] = faithful_before[k] + (net.layers[k]->has_faithful() ? 1 : 0);
  if (faithful_before.back() > 0) invalid_raised_and_clear();  // flags the building left
}

void Executor::Impl::check_inputs_outputs() const {
  if (graph.inputs.size() != 1)
    throw std::runtime_error(graph.source +
                             ": the engine runs models with exactly one runtime input, this one has " +
                             std::to_string(graph.inputs.size()));
  if (graph.outputs.size() != 1)
    throw std::runtime_error(graph.source +
                             ": the engine runs models with exactly one output, this one has " +
                             std::to_string(graph.outputs.size()));
}

void Executor::Impl::check_supported() const {
  const auto& registry = builtin_ops();
  struct Missing {
    int count = 0;
    std::string first;
  };
  std::map<std::string, Missing> missing;  // op type -> nodes
  std::vector<std::string> order;
  for (const auto& n : graph.nodes) {
    if (registry.find(n.domain, n.op_type)) continue;
    auto& m = missing[n.op_type];
    if (m.count++ == 0) {
      m.first = n.name;
      order.push_back(n.op_type);
    }
  }
  if (!missing.empty()) {
    std::string list;
    bool foldable = false;  // an operator the load-time folding evaluates, left because its inputs are not
    for (const auto& op : order) {
      const auto& m = missing.at(op);
      list += (list.empty() ? "" : ", ") + op + " at " +
              (m.count == 1 ? "" : std::to_string(m.count) + " nodes, first ") + "node '" + m.first + "'";
      foldable = foldable || model::constant_kernel(op) != nullptr;
    }
    throw std::runtime_error(
        graph.source + ": " + std::to_string(missing.size()) + " operator type" +
        (missing.size() == 1 ? " is" : "s are") + " not supported by flipguard's engine: " + list +
        (foldable ? " (shape computations run at load time only when their inputs are constants or known "
                    "shapes)"
                  : ""));
  }
  for (const auto& n : graph.nodes) {
    const OpEntry* e = registry.find(n.domain, n.op_type);
    for (const auto& [attr, value] : n.attributes)
      if (!e->attributes.count(attr))
        throw std::runtime_error(graph.source + ": " + n.describe() + ": attribute '" + attr +
                                 "' is not supported by flipguard's engine");
    if (graph.opset < e->min_opset || graph.opset > e->max_opset)
      throw std::runtime_error(graph.source + ": " + n.describe() + ": opset " + std::to_string(graph.opset) +
                               " is outside the supported range " + std::to_string(e->min_opset) + "-" +
                               std::to_string(e->max_opset));
  }
}

Dims Executor::Impl::batch_input_dims() const {
  Dims dims = graph.inputs[0].dims;
  if (dims.empty()) throw std::runtime_error(graph.source + ": the input has no declared shape");
  dims[0] = batch;
  for (auto d : dims)
    if (d <= 0)
      throw std::runtime_error(
          graph.source + ": input shape " + model::dims_to_string(graph.inputs[0].dims) +
          " has a symbolic dimension other than the batch: " +
          (graph.inputs[0].integer
               ? "give the sequence length (the token input's dims are fixed when the model is loaded)"
               : "give the image size (--crop HxW, or a sidecar written by `flipguard model-init "
                 "MODEL.onnx --crop HxW`)"));
  // Declared shapes are untrusted: refuse an input that cannot fit before oneDNN sees or sizes anything.
  const std::string what = graph.source + ": input " + model::dims_to_string(graph.inputs[0].dims) +
                           " at batch " + std::to_string(batch);
  std::int64_t count = 0;
  try {
    count = model::element_count(dims);
  } catch (const std::overflow_error& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
  platform::require_memory(platform::saturating_bytes(count, sizeof(float)), what);
  return dims;
}

void Executor::Impl::check_count(int count) const {
  if (count < 1 || count > batch)
    throw std::invalid_argument("run: count " + std::to_string(count) + " outside [1, " +
                                std::to_string(batch) + "]");
}

void Executor::Impl::load_input(const float* input, int count) {
  check_count(count);
  if (graph.inputs[0].integer)
    throw std::invalid_argument(graph.source + ": the input '" + graph.inputs[0].name +
                                "' holds integers (token ids): run it with int64 ids");
  bind_input(own_input);
  auto* in = static_cast<float*>(own_input);
  const auto per_in = static_cast<size_t>(model::element_count(input_dims) / batch);
  std::memcpy(in, input, sizeof(float) * per_in * count);
  if (count < batch) std::memset(in + per_in * count, 0, sizeof(float) * per_in * (batch - count));
}

void Executor::Impl::load_ids(const std::int64_t* ids, int count) {
  check_count(count);
  if (!graph.inputs[0].integer)
    throw std::invalid_argument(graph.source + ": the input '" + graph.inputs[0].name +
                                "' holds floats, not integer ids");
  // Ids travel as int32 (oneDNN has no int64); a Gather checks each against its table when it runs.
  bind_input(own_input);
  auto* in = static_cast<std::int32_t*>(own_input);
  const auto per_in = static_cast<size_t>(model::element_count(input_dims) / batch);
  for (size_t i = 0; i < per_in * static_cast<size_t>(count); ++i) {
    if (ids[i] < INT32_MIN || ids[i] > INT32_MAX)
      throw std::out_of_range(graph.source + ": id " + std::to_string(ids[i]) + " at position " +
                              std::to_string(i) + " does not fit any table");
    in[i] = static_cast<std::int32_t>(ids[i]);
  }
  if (count < batch) std::memset(in + per_in * count, 0, sizeof(std::int32_t) * per_in * (batch - count));
}

void Executor::Impl::bind_input(const void* data) {
  if (data == net.memories[net.input_id].get_data_handle()) return;  // the views point there already
  // No layer writes to the input or its views (BuildContext::can_overwrite), so the caller's const images
  // are only read.
  for (const auto& [id, offset] : net.input_views)
    net.memories[static_cast<size_t>(id)].set_data_handle(const_cast<char*>(static_cast<const char*>(data)) +
                                                          offset);
}

void Executor::Impl::run_layers(size_t begin, size_t end, const std::function<void()>& reset, bool report) {
  ValueHook* const h = report ? hook : nullptr;
  const bool watch = faithful_before[end] > faithful_before[begin];
  if (watch) std::feclearexcept(FE_INVALID);
  const size_t reported = run_fast_then_faithful(begin, end, h);
  if (reported == begin) return;
  ++faithful_runs;
  if (reset) reset();
  execute(begin, end, true, h, reported);
  stream.wait();
  invalid_raised_and_clear();
}

size_t Executor::Impl::run_fast_then_faithful(size_t begin, size_t end, ValueHook* h) {
  for (size_t k = begin; k < end; ++k) {
    net.layers[k]->execute(stream, net.memories);
    ++layers_executed;
    if (!h) continue;  // without a hook, all a run pays
    report_values(k + 1, false);
    // The hook wrote values a NaN is likely to come from: the layers left run faithful at once, unless the
    // fast ones so far already swallowed a NaN (the range then runs again, and its values up to here are
    // repeats for the hook).
    if (!h->nan_likely() || faithful_before[end] == faithful_before[k + 1]) continue;
    stream.wait();
    if (invalid_raised_and_clear()) return k + 1;
    ++faithful_switches;
    execute(k + 1, end, true, h, k + 1);
    stream.wait();
    invalid_raised_and_clear();  // the faithful kernels' own comparisons of the NaN they keep
    return begin;
  }
  stream.wait();
  // (A hook that raised the flag itself, comparing a NaN, costs at most a needless faithful run.)
  return faithful_before[end] > faithful_before[begin] && invalid_raised_and_clear() ? end : begin;
}

void Executor::Impl::execute(size_t begin, size_t end, bool faithful, ValueHook* h, size_t reported) {
  layers_executed += static_cast<std::int64_t>(end - begin);
  for (size_t k = begin; k < end; ++k) {
    if (faithful)
      net.layers[k]->execute_faithful(stream, net.memories);
    else
      net.layers[k]->execute(stream, net.memories);
    if (h) report_values(k + 1, k + 1 <= reported);
  }
}

void Executor::Impl::report_values(size_t ready, bool repeat) {
  auto& armed = ready_at[ready];
  if (armed.empty()) return;
  stream.wait();  // the hook reads what the layers wrote
  for (auto& a : armed) {
    a.view->bind(static_cast<float*>(net.memories[static_cast<size_t>(a.id)].get_data_handle()), run_images);
    hook->value_written(a.index, *a.view, repeat);
  }
}

void Executor::Impl::start_run(int images) {
  run_images = images;
  if (hook) hook->run_started(images);
}

void Executor::Impl::copy_output(int count, float* output) {
  // A full batch copies the whole output, even when its leading dim is not the batch (operator tests).
  const auto out_count = count == batch ? model::element_count(net.output_dims)
                                        : model::element_count(net.output_dims) / batch * count;
  std::memcpy(output, net.memories[net.output_id].get_data_handle(),
              sizeof(float) * static_cast<size_t>(out_count));
}

Executor::Executor(model::Graph graph, const ExecutorOptions& options)
    : impl_(std::make_unique<Impl>(std::move(graph), options)) {}

Executor::~Executor() = default;

int Executor::batch() const {
  return impl_->batch;
}
const Dims& Executor::input_dims() const {
  return impl_->input_dims;
}
const Dims& Executor::output_dims() const {
  return impl_->net.output_dims;
}
std::int64_t Executor::input_size() const {
  return model::element_count(impl_->input_dims) / impl_->batch;
}
std::int64_t Executor::output_size() const {
  return model::element_count(impl_->net.output_dims) / impl_->batch;
}

void Executor::run(const float* input, int count, float* output) {
  // A full batch is read where the caller keeps it (ONNX Runtime does the same with a tensor over the
  // caller's data): no copy of the images per run. A short batch is copied in, zero-padded; the plan reuses
  // that buffer once the input is read, so a faithful rerun copies it in again.
  impl_->check_count(count);
  impl_->start_run(count);
  if (count == impl_->batch && !impl_->graph.inputs[0].integer) {
    impl_->bind_input(input);
    impl_->run_layers(0, impl_->net.layers.size());
  } else {
    impl_->load_input(input, count);
    impl_->run_layers(0, impl_->net.layers.size(), [&] { impl_->load_input(input, count); });
  }
  impl_->copy_output(count, output);
}

void Executor::run(const std::int64_t* ids, int count, float* output) {
  impl_->load_ids(ids, count);
  impl_->start_run(count);
  impl_->run_layers(0, impl_->net.layers.size(), [&] { impl_->load_ids(ids, count); });
  impl_->copy_output(count, output);
}

long Executor::faithful_switches() const {
  return impl_->faithful_switches;
}

long Executor::faithful_runs() const {
  return impl_->faithful_runs;
}

std::int64_t Executor::layers_executed() const {
  return impl_->layers_executed;
}

bool Executor::integer_input() const {
  return impl_->graph.inputs[0].integer;
}

int Executor::layer_count() const {
  return static_cast<int>(impl_->net.layers.size());
}

std::vector<int> Executor::cut_points() const {
  const auto& nodes = impl_->net.layer_nodes;
  std::vector<int> cuts;
  for (int k = 0; k < static_cast<int>(nodes.size()); ++k)
    if (k == 0 || nodes[k] != nodes[k - 1]) cuts.push_back(k);
  return cuts;
}

int Executor::cut_before(const std::string& weight) const {
  const auto& weight_nodes = impl_->net.weight_nodes;
  const auto it = weight_nodes.find(weight);
  if (it == weight_nodes.end())
    throw std::out_of_range(impl_->graph.source + ": no stored weight named '" + weight + "'");
  const auto& nodes = impl_->net.layer_nodes;
  // Layers of the weight's node and later may read it; cutting at that node's first layer keeps the
  // prefix independent of it.
  const auto first = std::lower_bound(nodes.begin(), nodes.end(), it->second);
  return static_cast<int>(first - nodes.begin());
}

void Executor::prepare_cut(int cut) {
  const auto cuts = cut_points();
  if (!std::binary_search(cuts.begin(), cuts.end(), cut))
    throw std::invalid_argument(impl_->graph.source + ": layer " + std::to_string(cut) +
                                " is not a cut point (the first layer of a graph node)");
  if (cut != impl_->cut) {
    // A buffer holds a value live at the cut if a node before the cut defined it and a node at or after the
    // cut reads it (aliases, in-place results and fused readers extend the buffer's last use).
    const int node = impl_->net.layer_nodes[static_cast<size_t>(cut)];
    const auto& plan = impl_->net.plan;
    std::vector<ActivationSnapshot::Range> ranges;
    for (int b = 0; b < plan.size(); ++b)
      if (plan.first_def(b) < node && plan.last_use(b) >= node)
        ranges.push_back({plan.data(b), plan.bytes(b)});
    impl_->snapshot.reset(std::move(ranges));
    impl_->cut = cut;
  }
}

void Executor::run_prefix(const float* input, int count, int cut) {
  prepare_cut(cut);
  impl_->load_input(input, count);
  impl_->run_layers(
      0, static_cast<size_t>(cut), [&] { impl_->load_input(input, count); }, false);
  impl_->snapshot.capture();
  impl_->cut_count = count;
}

void Executor::run_prefix(const std::int64_t* ids, int count, int cut) {
  prepare_cut(cut);
  impl_->load_ids(ids, count);
  impl_->run_layers(
      0, static_cast<size_t>(cut), [&] { impl_->load_ids(ids, count); }, false);
  impl_->snapshot.capture();
  impl_->cut_count = count;
}

void Executor::run_suffix(float* output) {
  if (impl_->cut < 0) throw std::logic_error("run_suffix: run_prefix has not run");
  const auto restore = [this] {
    impl_->snapshot.restore();
    impl_->bind_input(impl_->own_input);  // the snapshot restored the input where run_prefix copied it
  };
  restore();
  impl_->start_run(impl_->cut_count);
  impl_->run_layers(static_cast<size_t>(impl_->cut), impl_->net.layers.size(), restore);
  impl_->copy_output(impl_->cut_count, output);
}

size_t Executor::snapshot_bytes() const {
  return impl_->snapshot.bytes();
}

void Executor::save_snapshot(std::span<std::byte> out) const {
  if (impl_->cut < 0) throw std::logic_error("save_snapshot: run_prefix has not run");
  impl_->snapshot.copy_to(out);
}

void Executor::load_snapshot(std::span<const std::byte> in, int count) {
  if (impl_->cut < 0) throw std::logic_error("load_snapshot: run_prefix has not run");
  if (count < 1 || count > impl_->batch)
    throw std::invalid_argument("load_snapshot: " + std::to_string(count) + " images in a batch of " +
                                std::to_string(impl_->batch));
  impl_->snapshot.copy_from(in);
  impl_->cut_count = count;
}

std::vector<WrittenValue> Executor::written_values() const {
  std::vector<WrittenValue> out;
  for (const auto& site : impl_->written) out.push_back(site.value);
  return out;
}

void Executor::arm_value_hook(ValueHook* hook, const std::vector<std::string>& values) {
  auto& d = *impl_;
  std::vector<std::vector<Impl::Armed>> ready_at(d.net.layers.size() + 1);
  if (hook)
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& name = values[i];
      const auto site = std::find_if(d.written.begin(), d.written.end(),
                                     [&](const WrittenSite& s) { return s.value.name == name; });
      if (site == d.written.end()) {
        std::string list;
        const size_t shown = std::min<size_t>(d.written.size(), 12);
        for (size_t k = 0; k < shown; ++k) list += (k ? ", " : "") + d.written[k].value.name;
        if (shown < d.written.size()) list += ", ...";
        throw std::invalid_argument(d.graph.source + ": no written value named '" + name + "' (" +
                                    std::to_string(d.written.size()) +
                                    " values a hook can be armed for: " + list + ")");
      }
      if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), name) !=
          values.begin() + static_cast<std::ptrdiff_t>(i))
        throw std::invalid_argument(d.graph.source + ": value '" + name + "' is armed twice");
      const Value& v = d.net.values.at(static_cast<size_t>(site->id));
      ready_at[static_cast<size_t>(site->ready)].push_back(
          {static_cast<int>(i), site->id, std::make_unique<MemoryValueView>(v.name, v.md, v.dims)});
    }
  // Values completed by the same layers are reported in run order (a source before its view).
  for (auto& armed : ready_at)
    std::sort(armed.begin(), armed.end(),
              [](const Impl::Armed& a, const Impl::Armed& b) { return a.id < b.id; });
  const bool any = std::any_of(ready_at.begin(), ready_at.end(), [](const auto& a) { return !a.empty(); });
  d.ready_at = std::move(ready_at);
  d.hook = any ? hook : nullptr;
}

std::vector<std::unique_ptr<WeightSlot>>& Executor::weights() {
  return impl_->net.weights;
}

WeightSlot& Executor::weight(const std::string& name) {
  for (auto& w : impl_->net.weights)
    if (w->name() == name) return *w;
  throw std::out_of_range(impl_->graph.source + ": no stored weight named '" + name + "'");
}

std::int64_t Executor::stored_weight_count() const {
  std::int64_t n = 0;
  for (const auto& w : impl_->net.weights) n += w->size();
  return n;
}

const model::Graph& Executor::graph() const {
  return impl_->graph;
}

std::uint64_t Executor::faithful_scratch_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& layer : impl_->net.layers) bytes += layer->faithful_scratch_bytes();
  return bytes;
}

std::uint64_t Executor::activation_bytes() const {
  return impl_->net.plan.allocated_bytes();
}

std::uint64_t Executor::weight_bytes() const {
  const Network& net = impl_->net;
  std::uint64_t bytes = net.weight_buffer_bytes;
  for (const auto& [name, c] : impl_->graph.constants)
    bytes += c.floats.size() * sizeof(float) + c.ints.size() * sizeof(std::int64_t);
  for (const auto& w : net.weights) bytes += static_cast<std::uint64_t>(w->size()) * sizeof(float);
  for (const auto& data : net.constant_data) bytes += data.size() * sizeof(float);
  return bytes;
}

double Executor::flops_per_image() const {
  return impl_->net.flops / impl_->batch;
}

std::vector<std::pair<std::string, double>> Executor::profile_layers(const float* input, int runs) {
  return impl_->profile_layers([&] { impl_->load_input(input, impl_->batch); }, runs);
}

std::vector<std::pair<std::string, double>> Executor::profile_layers(const std::int64_t* ids, int runs) {
  return impl_->profile_layers([&] { impl_->load_ids(ids, impl_->batch); }, runs);
}

std::vector<std::pair<std::string, double>> Executor::Impl::profile_layers(const std::function<void()>& load,
                                                                           int runs) {
  std::vector<std::vector<double>> times(net.layers.size());
  for (int r = 0; r < runs; ++r) {
    load();
    for (size_t k = 0; k < net.layers.size(); ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      net.layers[k]->execute(stream, net.memories);
      stream.wait();
      times[k].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::vector<std::pair<std::string, double>> out;
  for (size_t k = 0; k < net.layers.size(); ++k) {
    std::sort(times[k].begin(), times[k].end());
    out.emplace_back(net.layers[k]->describe(), times[k].empty() ? 0.0 : times[k][times[k].size() / 2]);
  }
  return out;
}

std::string Executor::summary() const {
  const Network& net = impl_->net;
  std::ostringstream s;
  s << impl_->graph.source << ": opset " << impl_->graph.opset << ", " << impl_->graph.nodes.size()
    << " nodes (" << impl_->folded.folded << " folded into constants at load), " << impl_->folded_batchnorms
    << " BatchNorms folded, " << impl_->fused_layernorms << " LayerNorms, " << impl_->fused_gelus
    << " GELUs and " << impl_->fused_silus << " SiLUs fused, " << net.layers.size() << " layers, batch "
    << impl_->batch << "\n";
  s << "work: " << flops_per_image() * 1e-9 << " GFLOP per image\n";
  s << "stored weights: " << net.weights.size() << " tensors, " << stored_weight_count() << " values\n";
  s << "activation memory: " << net.plan.allocated_bytes() / (1 << 20) << " MiB allocated for "
    << net.plan.requested_bytes() / (1 << 20) << " MiB of values\n";
  for (const auto& l : net.layers) s << "  " << l->describe() << "\n";
  return s.str();
}

}  // namespace flipguard::engine
