#include "engine/value_view.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace flipguard::engine {
namespace {

// The desc, once it is known to be one the view reads (BlockedLayout reads it next).
const dnnl::memory::desc& readable(const std::string& name, const dnnl::memory::desc& md,
                                   const model::Dims& dims) {
  const auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("value '" + name + "' " + model::dims_to_string(dims) + ": " + why);
  };
  const dnnl_memory_desc_t& d = md.data;
  // Every value a layer writes is f32 (integer values are token ids, only read as Gather indices).
  if (d.data_type != dnnl_f32) refuse("holds a data type other than f32, which a value view does not read");
  if (d.format_kind != dnnl_blocked) refuse("its layout is not a strided or blocked oneDNN layout");
  if (dims.empty()) refuse("has no batch dim");
  if (d.ndims != static_cast<int>(dims.size()) || !std::equal(dims.begin(), dims.end(), d.dims))
    refuse("its memory desc has other dims than the value");
  for (int i = 0; i < d.ndims; ++i)
    if (d.padded_offsets[i] != 0) refuse("its layout has padded offsets");
  return md;
}

}  // namespace

MemoryValueView::MemoryValueView(const std::string& name, const dnnl::memory::desc& md,
                                 const model::Dims& dims)
    : name_(name), dims_(dims), layout_(readable(name, md, dims)) {
  per_image_ = 1;
  for (size_t d = 1; d < dims_.size(); ++d) per_image_ *= dims_[d];
  const dnnl_memory_desc_t& desc = md.data;
  const auto& blk = desc.format_desc.blocking;
  offset0_ = desc.offset0;
  // The walk: per dim, its outer (block) index over the padded extent; then the inner blocks, each over
  // its block size, the later ones faster (BlockedLayout reads the same description).
  std::int64_t block[DNNL_MAX_NDIMS];
  std::fill(block, block + DNNL_MAX_NDIMS, 1);
  for (int k = 0; k < blk.inner_nblks; ++k) block[blk.inner_idxs[k]] *= blk.inner_blks[k];
  std::vector<Loop> outer, inner;
  for (int d = 0; d < desc.ndims; ++d)
    outer.push_back({d, desc.padded_dims[d] / block[d], blk.strides[d], block[d]});
  std::int64_t rest[DNNL_MAX_NDIMS], stride = 1;
  std::copy(block, block + DNNL_MAX_NDIMS, rest);
  for (int k = 0; k < blk.inner_nblks; ++k) {
    rest[blk.inner_idxs[k]] /= blk.inner_blks[k];
    inner.push_back({static_cast<int>(blk.inner_idxs[k]), blk.inner_blks[k], 0, rest[blk.inner_idxs[k]]});
  }
  for (int k = blk.inner_nblks; k-- > 0;) {
    inner[static_cast<size_t>(k)].stride = stride;
    stride *= blk.inner_blks[k];
  }
  // Outer strides count whole inner blocks: every outer loop is slower than every inner one. Within each
  // group, the largest stride outermost puts the unit stride (if any) innermost, so a run is one loop.
  const auto slower = [](const Loop& a, const Loop& b) { return a.stride > b.stride; };
  std::stable_sort(outer.begin(), outer.end(), slower);
  for (const auto& group : {outer, inner})
    for (const Loop& l : group)
      if (l.extent > 1) loops_.push_back(l);
}

void MemoryValueView::bind(float* data, int images) {
  data_ = data;
  images_ = images;
}

std::int64_t MemoryValueView::offset(int image, std::int64_t i) const {
  if (image < 0 || image >= images_ || i < 0 || i >= per_image_)
    throw std::out_of_range("value '" + name_ + "': element " + std::to_string(i) + " of image " +
                            std::to_string(image) + " outside " + std::to_string(images_) + " images of " +
                            std::to_string(per_image_) + " elements");
  std::int64_t idx[DNNL_MAX_NDIMS];
  idx[0] = image;
  for (size_t d = dims_.size(); d-- > 1;) {
    idx[d] = i % dims_[d];
    i /= dims_[d];
  }
  return layout_.offset(idx);
}

std::vector<MemoryValueView::Span> MemoryValueView::spans(int images) const {
  // Logical bound per dim: the images of this run, the real (unpadded) extent otherwise.
  std::int64_t limit[DNNL_MAX_NDIMS];
  for (size_t d = 0; d < dims_.size(); ++d) limit[d] = d == 0 ? images : dims_[d];
  std::vector<Span> out;
  const auto emit = [&](std::int64_t at, std::int64_t length) {
    if (length <= 0) return;
    if (!out.empty() && out.back().offset + out.back().length == at)
      out.back().length += length;
    else
      out.push_back({at, length});
  };
  if (loops_.empty()) {  // one element per image, one image at most
    if (std::all_of(limit, limit + dims_.size(), [](std::int64_t l) { return l > 0; })) emit(offset0_, 1);
    return out;
  }
  // Odometer over every loop but the last; the last loop is a run, cut where the padding (or the images
  // beyond this run's) starts: its logical index only grows along it.
  const size_t outer = loops_.size() - 1;
  const Loop& last = loops_.back();
  std::vector<std::int64_t> index(outer, 0);
  std::int64_t logical[DNNL_MAX_NDIMS] = {};
  std::int64_t at = offset0_;
  while (true) {
    bool real = true;
    for (size_t d = 0; d < dims_.size(); ++d) real = real && logical[d] < limit[d];
    if (real) {
      const std::int64_t room = limit[last.dim] - logical[last.dim];
      const std::int64_t n = std::min(last.extent, (room + last.divisor - 1) / last.divisor);
      if (last.stride == 1)
        emit(at, n);
      else
        for (std::int64_t k = 0; k < n; ++k) emit(at + k * last.stride, 1);
    }
    // Next index of the outer loops, the last one fastest.
    size_t k = outer;
    while (k > 0) {
      const Loop& l = loops_[k - 1];
      if (++index[k - 1] < l.extent) {
        logical[l.dim] += l.divisor;
        at += l.stride;
        break;
      }
      logical[l.dim] -= (l.extent - 1) * l.divisor;
      at -= (l.extent - 1) * l.stride;
      index[k - 1] = 0;
      --k;
    }
    if (k == 0) break;
  }
  return out;
}

void MemoryValueView::for_each_span(const std::function<void(float* data, std::int64_t n)>& f) {
  if (spans_images_ != images_) {
    // Long runs are cut into pieces so that the threads share a dense value too.
    constexpr std::int64_t kPiece = std::int64_t{1} << 16;
    spans_.clear();
    for (const Span& s : spans(images_))
      for (std::int64_t at = 0; at < s.length; at += kPiece)
        spans_.push_back({s.offset + at, std::min(kPiece, s.length - at)});
    spans_images_ = images_;
  }
  const auto count = static_cast<std::int64_t>(spans_.size());
  const bool large = count > 1 && images_ * per_image_ >= (std::int64_t{1} << 15);
  // An exception must not leave an OpenMP region: the first one is kept and rethrown after it.
  std::exception_ptr failure;
#pragma omp parallel for schedule(static) if (large)
  for (std::int64_t k = 0; k < count; ++k) {
    try {
      f(data_ + spans_[static_cast<size_t>(k)].offset, spans_[static_cast<size_t>(k)].length);
    } catch (...) {
#pragma omp critical(value_view_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace flipguard::engine
