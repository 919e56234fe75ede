#include "data/batch_loader.hpp"

#include <numeric>

#include "data/data_error.hpp"
#include "data/parallel_for.hpp"

namespace flipguard::data {

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> data, const ModelSpec& model, unsigned threads)
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

void BatchLoader::fill_indices(std::span<const std::size_t> indices, float* out, int* targets) const {
  for (std::size_t idx : indices)
    if (idx >= data_->size())
      throw DataError(data_->name() + ": image index " + std::to_string(idx) + " out of range (" +
                      std::to_string(data_->size()) + " images)");
  const std::size_t stride = sample_floats();
  parallel_for(indices.size(), threads_, [&](std::size_t i) {
    const std::size_t idx = indices[i];
    pre_.run(data_->load(idx), data_->source(idx), out + i * stride);
    targets[i] = data_->label(idx) + label_offset_;
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

PreprocessedSet BatchLoader::preload(const Subset& subset) const {
  PreprocessedSet set;
  set.channels = static_cast<std::size_t>(input_.channels);
  set.height = static_cast<std::size_t>(input_.height);
  set.width = static_cast<std::size_t>(input_.width);
  set.indices = select_subset(*data_, subset);
  set.tensor.resize(set.indices.size() * set.sample_floats());
  set.targets.resize(set.indices.size());
  fill_indices(set.indices, set.tensor.data(), set.targets.data());
  return set;
}

}  // namespace flipguard::data
