// Runs an ONNX image classifier. Everything (kernels, weight buffers, the activation memory plan) is built
// once; run() then only executes. Stored weights are exposed as named WeightSlots that a fault campaign
// patches element by element between runs. The executor knows nothing of faults, and its callers nothing of
// the kernels: this header shows neither oneDNN nor the engine's internals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/value_hook.hpp"
#include "engine/weight_selection.hpp"
#include "engine/weight_slot.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

using model::Dims;

struct ExecutorOptions {
  int batch = 16;              // images per run(), the graph's batch dimension, unless it declares one
  int threads = 0;             // OpenMP threads for oneDNN; 0 leaves the runtime's default
  bool fold_batchnorm = true;  // fold BatchNormalization into Conv weights (what a deployed device stores)
  // Values kept apart from the activation a kernel would fuse after them (model::keep_selected's grammar):
  // they are then written values (value_hook.hpp), e.g. a Conv's output before its Relu. "none": fuse.
  std::string unfused = "none";
  WeightSelection weights;
};

class Executor {
 public:
  Executor(model::Graph graph, const ExecutorOptions& options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Images per run: options.batch, or the fixed batch the graph's input declares (model::fixed_batch).
  int batch() const;
  const Dims& input_dims() const;    // [batch, C, H, W]
  const Dims& output_dims() const;   // [batch, classes]
  std::int64_t input_size() const;   // floats per image
  std::int64_t output_size() const;  // floats per image

  // Runs `count` <= batch() images (row-major NCHW floats) and writes count x output_size() floats
  // (for a full batch: every element of output_dims()). A full batch is read in place during the call,
  // never written; a partial one is copied in and zero-padded.
  void run(const float* input, int count, float* output);
  // The same for a model whose input is integer (token ids, row-major, input_size() per sequence); ids
  // outside int32 or outside the table a Gather reads them from are refused (std::out_of_range).
  void run(const std::int64_t* ids, int count, float* output);
  // True when the model's input holds integers (use the int64 run()).
  bool integer_input() const;
  // Runs (or run_prefix/run_suffix parts) repeated with the kernels that propagate a NaN, because the first
  // pass met one (layer.hpp; docs/protections.md, "NaN through operators").
  long faithful_runs() const;
  // Runs that switched to the faithful kernels part way, after an armed hook found a NaN likely.
  long faithful_switches() const;
  // Layers executed since construction, fast and faithful alike: what starting runs at a cut saves shows
  // here (tests, benchmarks).
  std::int64_t layers_executed() const;

  // --- Running from a cut (layer-targeted campaigns) ---
  // A cut k splits the layer sequence into a prefix [0, k) and a suffix [k, layer_count()). Cuts are the
  // first layer of each graph node (nodes fused into a Conv or Gemm have none), in ascending order, from 0.
  int layer_count() const;
  std::vector<int> cut_points() const;
  // The last cut before the first layer that reads stored weight `name`: the prefix does not depend on it.
  int cut_before(const std::string& weight) const;
  // Loads `count` <= batch() images, runs the prefix [0, cut) and copies the values live at the cut.
  void run_prefix(const float* input, int count, int cut);
  // The same for a model whose input is integer (token ids).
  void run_prefix(const std::int64_t* ids, int count, int cut);
  // Restores the values copied by the last run_prefix() and runs the suffix, writing its count images'
  // logits like run(). With the same weights in the prefix, equal to run(input) bit for bit; weights read
  // only by the suffix may change between calls. Other run() calls in between do no harm.
  void run_suffix(float* output);
  // Bytes restored per run_suffix() (the values live at the current cut).
  size_t snapshot_bytes() const;
  // The values copied by the last run_prefix(), out to `out` (snapshot_bytes() long), and back: after
  // load_snapshot(s, count), run_suffix() continues the run_prefix() whose copy `s` is, with its `count`
  // images, bit for bit. This keeps the activations at a cut for a whole image set (one copy per batch).
  void save_snapshot(std::span<std::byte> out) const;
  void load_snapshot(std::span<const std::byte> in, int count);

  // --- Values written while running (activation faults) ---
  // Every value a hook can be armed for, in run order: what graph nodes write in f32 with the batch as their
  // leading dim, not the graph input or constants, nor values a fusion never materialises (a Conv's output
  // under a fused Relu). Each is reported once complete, before any layer reads it (written_values.hpp says
  // where that is for views, in-place concatenations and in-place sums).
  std::vector<WrittenValue> written_values() const;
  // Arms `hook` for `values` (names from written_values(); value_written's index is the position in this
  // list); nullptr or an empty list disarms. Throws std::invalid_argument for an unknown or repeated name,
  // changing nothing.
  // run() and run_suffix() call hook->run_started(count) first, then value_written for each armed value
  // their layers complete (again with repeat = true when they rerun with the NaN-faithful kernels).
  // run_prefix() never calls the hook: arm only values after the cut you run prefixes to, since a value the
  // prefix wrote reaches the suffix as the snapshot kept it. The hook must outlive its arming.
  void arm_value_hook(ValueHook* hook, const std::vector<std::string>& values);

  std::vector<std::unique_ptr<WeightSlot>>& weights();
  WeightSlot& weight(const std::string& name);
  std::int64_t stored_weight_count() const;
  // The graph as the executor runs it (Constant/Identity removed, BatchNorm folded), with ONNX operators:
  // fusion happens only in the built kernels.
  const model::Graph& graph() const;
  // Arithmetic of one image (2 x multiply-adds of Conv, Gemm, MatMul).
  double flops_per_image() const;
  // Memory the executor holds, for a campaign's peak-memory estimate (docs/memory.md):
  // the activation buffers of the memory plan (batch-sized), and the weights: the graph's constant tensors,
  // the kernels' weight buffers, the stored weights' clean copies and constants used as tensor operands.
  // Bytes the NaN-faithful steps allocate on their first NaN and keep (docs/protections.md, "NaN through
  // operators"): a run of a float format whose activations meet a NaN may add them.
  std::uint64_t faithful_scratch_bytes() const;
  std::uint64_t activation_bytes() const;
  std::uint64_t weight_bytes() const;
  // Layers, fusions and memory, for `flipguard eval --verbose` and the benchmarks.
  std::string summary() const;
  // Where a run's time goes, for the benchmarks: runs a full batch of `input` `runs` times, waiting after
  // each layer, and returns each layer's description with its median seconds per run.
  std::vector<std::pair<std::string, double>> profile_layers(const float* input, int runs);
  // The same for a model whose input is integer (token ids).
  std::vector<std::pair<std::string, double>> profile_layers(const std::int64_t* ids, int runs);

 private:
  struct Impl;
  // Makes `cut` the current cut (checked to be a cut point), its live values the snapshot's ranges.
  void prepare_cut(int cut);
  std::unique_ptr<Impl> impl_;
};

}  // namespace flipguard::engine
