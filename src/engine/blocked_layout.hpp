// Where a logical element lives in a oneDNN blocked buffer (plain, or e.g. OIhw16i16o). The desc's blocking
// is read once, so locating an element for a weight patch is a few integer operations. This is the one place
// that reads oneDNN 2.x's memory desc internals.
#pragma once

#include <array>
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <utility>

#include "engine/weight_slot.hpp"

namespace flipguard::engine {

class BlockedLayout {
 public:
  explicit BlockedLayout(const dnnl::memory::desc& md);

  // Offset (in elements) of the logical index `idx`, given in the desc's own dims.
  std::int64_t offset(const std::int64_t* idx) const {
    std::int64_t off = offset0_;
    for (int i = 0; i < ndims_; ++i) off += (idx[i] / block_[i]) * stride_[i];
    // Inner blocks are laid out innermost-last: e.g. 16i16o is (i_block, o_block) with o fastest.
    std::int64_t inner = 0;
    for (int k = 0; k < nblks_; ++k) {
      const InnerBlock& b = inner_[k];
      inner = inner * b.size + (idx[b.dim] % block_[b.dim]) / b.divisor % b.size;
    }
    return off + inner;
  }

 private:
  struct InnerBlock {
    int dim = 0;
    std::int64_t size = 1;     // the block's extent along `dim`
    std::int64_t divisor = 1;  // elements of `dim` covered by the blocks after this one
  };
  int ndims_ = 0, nblks_ = 0;
  std::int64_t offset0_ = 0;
  std::array<std::int64_t, DNNL_MAX_NDIMS> block_{}, stride_{};  // per dim: product of its inner blocks
  std::array<InnerBlock, DNNL_MAX_NDIMS> inner_{};
};

// A WeightSlot offset map for a buffer laid out as `md`: `index(flat, idx)` writes the desc's index vector
// of an ONNX flat index (e.g. O,I,H,W -> G,O/G,I,H,W).
template <class IndexMap>
WeightSlot::OffsetMap offset_map(const dnnl::memory::desc& md, IndexMap index) {
  return [layout = BlockedLayout(md), index = std::move(index)](std::int64_t flat) {
    std::int64_t idx[DNNL_MAX_NDIMS];
    index(flat, idx);
    return layout.offset(idx);
  };
}

}  // namespace flipguard::engine
