#include "data/loading/batch_loader.hpp"

#include <algorithm>
#include <numeric>

#include "data/data_error.hpp"
#include "data/loading/parallel_for.hpp"
#include "hashing/fnv1a.hpp"
#include "platform/memory_budget.hpp"

namespace flipguard::data {

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> data, const Manifest& model, unsigned threads)
    : data_(std::move(data)),
      input_(model.input),
      label_offset_(model.output.label_offset),
      pre_(model),
      threads_(threads == 0 ? 1 : threads) {
  if (!data_) throw std::invalid_argument("BatchLoader: no dataset");
  if (data_->num_classes() + label_offset_ > model.output.classes)
    throw DataError("model '" + model.name + "' has " + std::to_string(model.output.classes) +
                    " outputs, too few for dataset '" + data_->name() + "' with " +
                    std::to_string(data_->num_classes()) + " classes at label_offset " +
                    std::to_string(label_offset_));
}

namespace {

std::uint64_t image_hash(const Image& image) {
  const std::int32_t shape[3] = {image.height, image.width, image.channels};
  const std::uint64_t h = hashing::fnv1a(hashing::kFnvOffset, shape, sizeof shape);
  return hashing::fnv1a(h, image.pixels.data(), image.pixels.size());
}

}  // namespace

void BatchLoader::fill_indices(std::span<const std::size_t> indices, float* out, int* targets,
                               std::uint64_t* content) const {
  for (std::size_t idx : indices)
    if (idx >= data_->size())
      throw DataError(data_->name() + ": image index " + std::to_string(idx) + " out of range (" +
                      std::to_string(data_->size()) + " images)");
  const std::size_t stride = sample_floats();
  parallel_for(indices.size(), threads_, [&](std::size_t i) {
    const std::size_t idx = indices[i];
    const Image image = data_->load(idx);
    if (content) content[i] = image_hash(image);
    pre_.run(image, data_->source(idx), out + i * stride);
    targets[i] = data_->labelled() ? data_->label(idx) + label_offset_ : -1;
  });
}

void BatchLoader::fill_batch(std::size_t first, std::size_t count, float* out, int* targets) const {
  if (first > data_->size() || count > data_->size() - first)
    throw DataError(data_->name() + ": batch [" + std::to_string(first) + ", " +
                    std::to_string(first + count) + ") outside the " + std::to_string(data_->size()) +
                    " images");
  std::vector<std::size_t> indices(count);
  std::iota(indices.begin(), indices.end(), first);
  fill_indices(indices, out, targets);
}

PreprocessedSet BatchLoader::preload(const Subset& subset, BadImages bad_images) const {
  PreprocessedSet set;
  set.channels = static_cast<std::size_t>(input_.channels);
  set.height = static_cast<std::size_t>(input_.height);
  set.width = static_cast<std::size_t>(input_.width);
  set.indices = select_subset(*data_, subset);
  set.labelled = data_->labelled();
  // The sidecar's input size is untrusted: an impossible buffer is a clear error, never a wrapped size.
  std::size_t floats = 0;
  if (__builtin_mul_overflow(set.indices.size(), set.sample_floats(), &floats) ||
      floats > set.tensor.max_size())
    throw DataError(data_->name() + ": " + std::to_string(set.indices.size()) + " images of " +
                    std::to_string(set.channels) + "x" + std::to_string(set.height) + "x" +
                    std::to_string(set.width) + " floats do not fit in memory");
  // More than this process may use cannot succeed: refused before asking the allocator (which, under an
  // address-space cap or a sanitizer, may abort rather than throw).
  const bool beyond_memory = platform::saturating_bytes(static_cast<std::int64_t>(floats), sizeof(float)) >
                             platform::usable_memory_bytes();
  try {
    if (beyond_memory) throw std::bad_alloc();
    set.tensor.resize(floats);
  } catch (const std::bad_alloc&) {
    throw DataError(data_->name() + ": out of memory preloading " + std::to_string(set.indices.size()) +
                    " images of " + std::to_string(set.channels) + "x" + std::to_string(set.height) + "x" +
                    std::to_string(set.width) + " floats (" + std::to_string(floats / (1 << 20) * 4) +
                    " MiB)");
  }
  set.targets.resize(set.indices.size());
  set.content.resize(set.indices.size());
  if (bad_images == BadImages::kFail) {
    fill_indices(set.indices, set.tensor.data(), set.targets.data(), set.content.data());
    return set;
  }
  const std::size_t stride = sample_floats();
  std::vector<std::string> errors(set.indices.size());
  parallel_for(set.indices.size(), threads_, [&](std::size_t i) {
    try {
      fill_indices(std::span<const std::size_t>(&set.indices[i], 1), set.tensor.data() + i * stride,
                   &set.targets[i], &set.content[i]);
    } catch (const DataError& e) {
      errors[i] = e.what();
    }
  });
  // Compact in place: the kept images stay in dataset order, so the set is what kFail would give for them.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < set.indices.size(); ++i) {
    if (!errors[i].empty()) {
      set.skipped.push_back({set.indices[i], std::move(errors[i])});
      continue;
    }
    if (kept != i) {
      std::copy_n(set.tensor.begin() + static_cast<std::ptrdiff_t>(i * stride), stride,
                  set.tensor.begin() + static_cast<std::ptrdiff_t>(kept * stride));
      set.indices[kept] = set.indices[i];
      set.targets[kept] = set.targets[i];
      set.content[kept] = set.content[i];
    }
    ++kept;
  }
  if (kept == 0 && !set.skipped.empty())
    throw DataError(data_->name() + ": none of the " + std::to_string(set.skipped.size()) +
                    " selected images is usable (first: " + set.skipped.front().reason + ")");
  set.indices.resize(kept);
  set.targets.resize(kept);
  set.content.resize(kept);
  set.tensor.resize(kept * stride);
  set.tensor.shrink_to_fit();
  return set;
}

}  // namespace flipguard::data
