// One step of execution. Most steps are a oneDNN primitive built once; a few small operators that oneDNN
// lacks (Transpose, Pad, Slice, ...) are plain C++ on row-major buffers.
//
// Some of oneDNN's kernels swallow a NaN (Relu and Clip map it to 0 and the lower bound, max pooling skips
// it, Softmax keeps it to its own element) where PyTorch and ONNX Runtime propagate it. A kernel that
// propagates it costs up to twice the time of a light conv, so such a layer keeps its fast kernel and has a
// faithful one besides: the executor runs the faithful ones only when a run raised the invalid-operation
// flag, which every swallowed NaN does (docs/protections.md, "NaN through operators").
#pragma once

#include <cstdint>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flipguard::engine {

class Layer {
 public:
  virtual ~Layer() = default;
  // `values` holds a memory bound to each value id (activations, constants, the input).
  virtual void execute(dnnl::stream& stream, const std::vector<dnnl::memory>& values) = 0;
  // The same step with a NaN in its input coming out where the reference's would; by default execute().
  virtual void execute_faithful(dnnl::stream& stream, const std::vector<dnnl::memory>& values) {
    execute(stream, values);
  }
  virtual bool has_faithful() const { return false; }
  // Bytes the faithful step allocates on its first use and keeps (plain copies for max pooling).
  virtual std::uint64_t faithful_scratch_bytes() const { return 0; }
  virtual std::string describe() const = 0;
};

// A layer's faithful step (Layer::execute_faithful): gets the layer's arguments.
using FaithfulFn = std::function<void(dnnl::stream&, const std::unordered_map<int, dnnl::memory>& args)>;

class PrimitiveLayer : public Layer {
 public:
  PrimitiveLayer(std::string what, dnnl::primitive prim, std::vector<std::pair<int, int>> value_args,
                 std::unordered_map<int, dnnl::memory> fixed_args = {})
      : what_(std::move(what)),
        prim_(std::move(prim)),
        value_args_(std::move(value_args)),
        fixed_(std::move(fixed_args)) {}
  void execute(dnnl::stream& stream, const std::vector<dnnl::memory>& values) override {
    prim_.execute(stream, args(values));
  }
  void execute_faithful(dnnl::stream& stream, const std::vector<dnnl::memory>& values) override {
    if (!faithful_) return execute(stream, values);
    faithful_(stream, args(values));
  }
  bool has_faithful() const override { return static_cast<bool>(faithful_); }
  std::uint64_t faithful_scratch_bytes() const override { return faithful_scratch_; }
  std::string describe() const override { return what_; }
  void set_faithful(FaithfulFn f, std::uint64_t scratch_bytes = 0) {
    faithful_ = std::move(f);
    faithful_scratch_ = scratch_bytes;
  }

 private:
  std::unordered_map<int, dnnl::memory> args(const std::vector<dnnl::memory>& values) const {
    std::unordered_map<int, dnnl::memory> args = fixed_;
    for (const auto& [arg, id] : value_args_) args[arg] = values[id];
    return args;
  }

  std::string what_;
  dnnl::primitive prim_;
  std::vector<std::pair<int, int>> value_args_;  // (DNNL_ARG_*, value id)
  std::unordered_map<int, dnnl::memory> fixed_;  // weights, biases: owned here, patched through WeightSlots
  FaithfulFn faithful_;
  std::uint64_t faithful_scratch_ = 0;
};

// A C++ kernel over float buffers (row-major, unless the kernel was built for the values' layouts, as the
// border fill of a padded 1x1 conv is); receives the data pointers of its input and output value ids.
class FunctionLayer : public Layer {
 public:
  using Fn = std::function<void(const std::vector<const float*>& in, float* out)>;
  FunctionLayer(std::string what, std::vector<int> inputs, int output, Fn fn)
      : what_(std::move(what)), inputs_(std::move(inputs)), output_(output), fn_(std::move(fn)) {}
  void execute(dnnl::stream& stream, const std::vector<dnnl::memory>& values) override {
    stream.wait();  // oneDNN work before this must be finished before plain C++ reads it
    std::vector<const float*> in;
    for (int id : inputs_) in.push_back(static_cast<const float*>(values[id].get_data_handle()));
    fn_(in, static_cast<float*>(values[output_].get_data_handle()));
  }
  std::string describe() const override { return what_; }

 private:
  std::string what_;
  std::vector<int> inputs_;
  int output_;
  Fn fn_;
};

}  // namespace flipguard::engine
