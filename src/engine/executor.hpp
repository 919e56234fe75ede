// Runs an ONNX image classifier on oneDNN. Everything (primitives, weight buffers, the activation memory
// plan) is built once; run() then only executes. Stored weights are exposed as named WeightSlots that a
// fault campaign patches element by element between runs. The executor knows nothing of faults.
#pragma once

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "engine/activation_snapshot.hpp"
#include "engine/build_context.hpp"
#include "engine/layer.hpp"
#include "engine/weight_slot.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

struct ExecutorOptions {
  int batch = 16;              // images per run(); the graph's batch dimension is set to it
  int threads = 0;             // OpenMP threads for oneDNN; 0 leaves the runtime's default
  bool fold_batchnorm = true;  // fold BatchNormalization into Conv weights (what a deployed device stores)
  WeightSelection weights;
};

class Executor {
 public:
  Executor(model::Graph graph, const ExecutorOptions& options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  int batch() const { return batch_; }
  const Dims& input_dims() const { return input_dims_; }    // [batch, C, H, W]
  const Dims& output_dims() const { return output_dims_; }  // [batch, classes]
  std::int64_t input_size() const;                          // floats per image
  std::int64_t output_size() const;                         // floats per image

  // Runs `count` <= batch() images (row-major NCHW floats) and writes count x output_size() floats
  // (for a full batch: every element of output_dims()).
  void run(const float* input, int count, float* output);

  // --- Running from a cut (layer-targeted campaigns) ---
  // A cut k splits the layer sequence into a prefix [0, k) and a suffix [k, layer_count()). Cuts are the
  // first layer of each graph node (fused nodes have none), in ascending order, starting with 0.
  int layer_count() const;
  std::vector<int> cut_points() const;
  // The last cut before the first layer that reads stored weight `name`: the prefix does not depend on it.
  int cut_before(const std::string& weight) const;
  // Loads `count` <= batch() images, runs the prefix [0, cut) and copies the values live at the cut.
  void run_prefix(const float* input, int count, int cut);
  // Restores the values copied by the last run_prefix() and runs the suffix, writing its count images'
  // logits like run(). With the same weights in the prefix, equal to run(input) bit for bit; weights read
  // only by the suffix may change between calls. Other run() calls in between do no harm.
  void run_suffix(float* output);
  // Bytes restored per run_suffix() (the values live at the current cut).
  size_t snapshot_bytes() const { return snapshot_.bytes(); }

  std::vector<std::unique_ptr<WeightSlot>>& weights() { return weights_; }
  WeightSlot& weight(const std::string& name);
  std::int64_t stored_weight_count() const;
  const model::Graph& graph() const { return graph_; }
  // Arithmetic of one image (2 x multiply-adds of Conv, Gemm, MatMul).
  double flops_per_image() const;
  // Memory the executor holds, for a campaign's peak-memory estimate (docs/memory.md):
  // the activation buffers of the memory plan (batch-sized), and the weights: the graph's constant tensors,
  // the oneDNN weight buffers, the stored weights' clean copies and constants used as tensor operands.
  std::uint64_t activation_bytes() const;
  std::uint64_t weight_bytes() const;
  // Layers, fusions and memory, for `flipguard eval --verbose` and the benchmarks.
  std::string summary() const;

 private:
  model::Graph graph_;
  int batch_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unique_ptr<BuildContext> ctx_;
  std::vector<dnnl::memory> memories_;
  std::vector<std::unique_ptr<WeightSlot>> weights_;
  Dims input_dims_, output_dims_;
  int input_id_ = -1, output_id_ = -1;
  int folded_batchnorms_ = 0;
  void load_input(const float* input, int count);
  void copy_output(int count, float* output);
  ActivationSnapshot snapshot_;
  int cut_ = -1, cut_count_ = 0;
};

}  // namespace flipguard::engine
