// One step of execution. Most steps are a oneDNN primitive built once; a few small operators that oneDNN
// lacks (Transpose, Pad, Slice, ...) are plain C++ on row-major buffers.
#pragma once

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
  virtual std::string describe() const = 0;
};

class PrimitiveLayer : public Layer {
 public:
  PrimitiveLayer(std::string what, dnnl::primitive prim, std::vector<std::pair<int, int>> value_args,
                 std::unordered_map<int, dnnl::memory> fixed_args = {})
      : what_(std::move(what)),
        prim_(std::move(prim)),
        value_args_(std::move(value_args)),
        fixed_(std::move(fixed_args)) {}
  void execute(dnnl::stream& stream, const std::vector<dnnl::memory>& values) override {
    std::unordered_map<int, dnnl::memory> args = fixed_;
    for (const auto& [arg, id] : value_args_) args[arg] = values[id];
    prim_.execute(stream, args);
  }
  std::string describe() const override { return what_; }

 private:
  std::string what_;
  dnnl::primitive prim_;
  std::vector<std::pair<int, int>> value_args_;  // (DNNL_ARG_*, value id)
  std::unordered_map<int, dnnl::memory> fixed_;  // weights, biases: owned here, patched through WeightSlots
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
