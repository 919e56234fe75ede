#include "engine/weight_slot.hpp"

#include <stdexcept>

namespace flipguard::engine {

std::int64_t physical_offset(const dnnl::memory::desc& md, const std::int64_t* idx) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) throw std::logic_error("physical_offset: memory desc is not blocked");
  const auto& blk = d.format_desc.blocking;
  std::int64_t block[DNNL_MAX_NDIMS] = {}, rest[DNNL_MAX_NDIMS] = {};
  for (int i = 0; i < d.ndims; ++i) block[i] = 1;
  for (int k = 0; k < blk.inner_nblks; ++k) block[blk.inner_idxs[k]] *= blk.inner_blks[k];
  std::int64_t off = d.offset0;
  for (int i = 0; i < d.ndims; ++i) {
    off += (idx[i] / block[i]) * blk.strides[i];
    rest[i] = block[i];
  }
  // Inner blocks are laid out innermost-last: e.g. 16i16o is (i_block, o_block) with o fastest.
  std::int64_t inner = 0;
  for (int k = 0; k < blk.inner_nblks; ++k) {
    const int dim = blk.inner_idxs[k];
    rest[dim] /= blk.inner_blks[k];
    inner = inner * blk.inner_blks[k] + (idx[dim] % block[dim]) / rest[dim] % blk.inner_blks[k];
  }
  return off + inner;
}

WeightSlot::WeightSlot(std::string name, std::string role, model::Dims dims, std::vector<float> clean,
                       dnnl::memory physical, IndexMap map)
    : name_(std::move(name)),
      role_(std::move(role)),
      dims_(std::move(dims)),
      clean_(std::move(clean)),
      physical_(std::move(physical)),
      physical_md_(physical_.get_desc()),
      map_(std::move(map)),
      base_(static_cast<float*>(physical_.get_data_handle())) {}

float* WeightSlot::element(std::int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("weight '" + name_ + "': index " + std::to_string(index) + " outside [0, " +
                            std::to_string(size()) + ")");
  std::int64_t idx[DNNL_MAX_NDIMS];
  map_(index, idx);
  return base_ + physical_offset(physical_md_, idx);
}

void WeightSlot::write(std::int64_t index, float value) {
  *element(index) = value;
}
float WeightSlot::read(std::int64_t index) const {
  return *element(index);
}

void WeightSlot::write(std::span<const std::int64_t> indices, std::span<const float> values) {
  if (indices.size() != values.size())
    throw std::invalid_argument("weight '" + name_ + "': indices/values size mismatch");
  for (size_t k = 0; k < indices.size(); ++k) write(indices[k], values[k]);
}

void WeightSlot::restore(std::span<const std::int64_t> indices) {
  for (auto i : indices) write(i, clean_[static_cast<size_t>(i)]);
}

void WeightSlot::write_all(std::span<const float> values) {
  if (values.size() != clean_.size())
    throw std::invalid_argument("weight '" + name_ + "': write_all size mismatch");
  for (std::int64_t i = 0; i < size(); ++i) write(i, values[static_cast<size_t>(i)]);
}

}  // namespace flipguard::engine
