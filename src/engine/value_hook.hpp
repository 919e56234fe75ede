// Access to the values nodes write, while the network runs: what an activation fault site needs. The
// executor calls an armed hook right after the layer that completes a selected value has run, before any
// layer reads it, with a view of that value's elements for the images of the current run. The view speaks
// logical coordinates (row-major over the value's ONNX dims, batch first) whatever the engine's physical
// layout (plain, channels-last, blocked nChw16c, a part inside an in-place concatenation): the hook never
// sees oneDNN. With no hook armed the executor does nothing extra.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "model/graph.hpp"

namespace flipguard::engine {

// A value as the executor runs it: one the hook can be armed for.
struct WrittenValue {
  // The ONNX value name after the graph passes (a fused Conv+Relu writes the Relu's output).
  std::string name;
  model::Dims dims;  // logical dims at the executor's batch, batch first
  // The node of Executor::graph() producing it (its name, or "op_type #index" when unnamed): for a value
  // a fusion writes, the last node of the fused pattern (the Relu of a Conv+Relu).
  std::string node;
  std::string op;  // that node's op type
  int cut = 0;     // the cut (Executor::cut_points) before the layer writing it: a prefix up to it is clean

  // Elements of one image: the product of the dims after the batch.
  std::int64_t elements_per_image() const {
    std::int64_t n = 1;
    for (std::size_t d = 1; d < dims.size(); ++d) n *= dims[d];
    return n;
  }
};

// The elements of one written value for the images of the current run.
class ValueView {
 public:
  virtual ~ValueView() = default;
  virtual int images() const = 0;                       // images of this run (<= the executor's batch)
  virtual std::int64_t elements_per_image() const = 0;  // product of the dims after the batch
  // Element `i` (0 <= i < elements_per_image()) of image `image` (0 <= image < images()), logical row-major.
  virtual float get(int image, std::int64_t i) const = 0;
  virtual void set(int image, std::int64_t i, float v) = 0;
  // Calls `f` on contiguous runs of the elements of this run's images, each element once (never padding a
  // blocked layout adds), in an unspecified order, possibly from several threads at once: storing a whole
  // value in another format or clamping it to a range, a tight loop per run instead of a call per element.
  virtual void for_each_span(const std::function<void(float* data, std::int64_t n)>& f) = 0;
};

class ValueHook {
 public:
  virtual ~ValueHook() = default;
  // A run (run, run_suffix) over `images` images starts: the next values written are of these images,
  // which follow those of the previous run in the caller's order.
  virtual void run_started(int images) = 0;
  // `value` (an index into the armed list) has been written. `repeat` is true when the executor runs a range
  // of layers again over the same images (the NaN-faithful rerun, layer.hpp): the hook must then do to the
  // value what it did the first time (its faults are keyed, not consumed) and not count them again.
  virtual void value_written(int value, ValueView& view, bool repeat) = 0;
  // Asked after each value_written of a first pass: true when what the hook wrote in this run is likely to
  // make a NaN downstream (a non-finite or huge value). The executor then runs the rest of the run with the
  // NaN-faithful kernels straight away instead of the fast ones and a rerun; results are the same either way
  // (a NaN the fast kernels swallowed before is still caught), only the time differs.
  virtual bool nan_likely() const { return false; }
};

}  // namespace flipguard::engine
