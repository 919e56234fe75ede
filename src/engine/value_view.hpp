// The ValueView (value_hook.hpp) of one value the executor wrote: logical row-major coordinates (image, flat
// index over the dims after the batch) mapped onto the value's oneDNN memory, whatever its layout (plain with
// any strides, channels-last, channel-blocked with padded channels, a part placed inside a concatenation's
// buffer). Built once when a hook is armed; each firing only binds the data pointer and the image count.
#pragma once

#include <cstdint>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "engine/blocked_layout.hpp"
#include "engine/value_hook.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

class MemoryValueView final : public ValueView {
 public:
  // `md` is the value's layout and `dims` its logical dims (batch first); `name` only words errors. Throws
  // std::invalid_argument for a layout the view cannot read: not f32, not a strided/blocked desc, dims that
  // disagree with the desc's, or no batch dim.
  MemoryValueView(const std::string& name, const dnnl::memory::desc& md, const model::Dims& dims);

  // Points the view at the value's data (the memory's handle, offset0 not applied) for `images` images.
  void bind(float* data, int images);

  int images() const override { return images_; }
  std::int64_t elements_per_image() const override { return per_image_; }
  float get(int image, std::int64_t i) const override { return data_[offset(image, i)]; }
  void set(int image, std::int64_t i, float v) override { data_[offset(image, i)] = v; }
  void for_each_span(const std::function<void(float* data, std::int64_t n)>& f) override;

 private:
  // A contiguous run of real elements: its offset from the data handle (in floats) and length.
  struct Span {
    std::int64_t offset, length;
  };
  // One loop of the physical walk: an outer block index of a dim, or one of its inner blocks.
  struct Loop {
    int dim = 0;
    std::int64_t extent = 1;   // indices this loop takes
    std::int64_t stride = 1;   // floats between consecutive indices
    std::int64_t divisor = 1;  // logical index of `dim` per step of this loop
  };

  // Checks the coordinates (a wrong one would write outside the value) and maps them to a float offset.
  std::int64_t offset(int image, std::int64_t i) const;
  // The runs of real elements of the first `images` images, in physical order, adjacent runs merged.
  std::vector<Span> spans(int images) const;

  std::string name_;
  model::Dims dims_;
  std::int64_t per_image_ = 0;
  BlockedLayout layout_;
  std::vector<Loop> loops_;  // the physical walk, outermost (largest stride) first
  std::int64_t offset0_ = 0;
  float* data_ = nullptr;
  int images_ = 0;
  // The spans depend only on the image count: kept from the last for_each_span with that count.
  int spans_images_ = -1;
  std::vector<Span> spans_;
};

}  // namespace flipguard::engine
