#include "engine/blocked_layout.hpp"

#include <stdexcept>

namespace flipguard::engine {

BlockedLayout::BlockedLayout(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) throw std::logic_error("BlockedLayout: memory desc is not blocked");
  const auto& blk = d.format_desc.blocking;
  ndims_ = d.ndims;
  nblks_ = blk.inner_nblks;
  offset0_ = d.offset0;
  std::array<std::int64_t, DNNL_MAX_NDIMS> rest{};
  for (int i = 0; i < ndims_; ++i) {
    block_[i] = 1;
    stride_[i] = blk.strides[i];
  }
  for (int k = 0; k < nblks_; ++k) block_[blk.inner_idxs[k]] *= blk.inner_blks[k];
  for (int i = 0; i < ndims_; ++i) rest[i] = block_[i];
  for (int k = 0; k < nblks_; ++k) {
    const int dim = blk.inner_idxs[k];
    rest[dim] /= blk.inner_blks[k];
    inner_[k] = {dim, blk.inner_blks[k], rest[dim]};
  }
}

}  // namespace flipguard::engine
