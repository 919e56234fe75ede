// Feeds a model from a dataset: decode + preprocess into NCHW float batches, either on demand
// (fill_batch) or once for a whole campaign (preload), which evaluates the same images many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"
#include "data/datasets/subset.hpp"
#include "data/manifest/manifest.hpp"
#include "data/preprocess/preprocessor.hpp"

namespace flipguard::data {

// Preprocessed images held in memory: one allocation of count x C x H x W floats. Or, for a causal language
// model, token sequences (seq_len > 0): each "image" of the set is then one sequence, its input ids and the
// id each position predicts (data/loading/token_sequences.hpp); the image fields stay empty.
struct PreprocessedSet {
  std::size_t channels = 0, height = 0, width = 0;
  std::vector<float> tensor;         // NCHW
  std::vector<int> targets;          // per image: index of the correct logit (label + label_offset); -1: none
  bool labelled = true;              // false: no labels (targets all -1), scored against the clean model only
  std::vector<std::size_t> indices;  // per image: its index in the dataset
  // Per image: a hash of its decoded 8-bit pixels (size, channels, values), what the model's input is made
  // from; campaigns identify their data by these, the indices and the targets.
  std::vector<std::uint64_t> content;
  std::vector<SkippedImage> skipped;  // images of the subset left out under BadImages::kSkip
  // Token sequences: size() x seq_len input ids, and as many next-token targets (-1: the position predicts
  // nothing that was read). `targets` then holds -1 per sequence and `labelled` is false: no class labels.
  std::size_t seq_len = 0;
  std::vector<std::int64_t> tokens, next;

  bool is_tokens() const { return seq_len > 0; }
  std::size_t size() const { return targets.size(); }
  std::size_t sample_floats() const { return channels * height * width; }
  // Images [first, first + count) as one NCHW batch (contiguous, no copy).
  std::span<const float> batch(std::size_t first, std::size_t count) const {
    return std::span<const float>(tensor).subspan(first * sample_floats(), count * sample_floats());
  }
  // Sequences [first, first + count): their input ids and their targets, count x seq_len each.
  std::span<const std::int64_t> token_batch(std::size_t first, std::size_t count) const {
    return std::span<const std::int64_t>(tokens).subspan(first * seq_len, count * seq_len);
  }
  std::span<const std::int64_t> next_batch(std::size_t first, std::size_t count) const {
    return std::span<const std::int64_t>(next).subspan(first * seq_len, count * seq_len);
  }
};

class BatchLoader {
 public:
  // Checks that every dataset label, shifted by output.label_offset, is a valid logit of the model. Images of
  // a dataset without labels get target -1.
  BatchLoader(std::shared_ptr<const Dataset> data, const Manifest& model, unsigned threads = 2);

  std::size_t size() const { return data_->size(); }
  std::size_t sample_floats() const { return pre_.sample_floats(); }
  const Dataset& dataset() const { return *data_; }

  // Dataset images [first, first + count): NCHW floats into out[count * sample_floats()], and into
  // targets[count] the index of the correct logit (dataset label + output.label_offset).
  void fill_batch(std::size_t first, std::size_t count, float* out, int* targets) const;

  // Same for arbitrary dataset indices, in the given order; `content`, if given, receives each image's hash
  // (PreprocessedSet::content).
  void fill_indices(std::span<const std::size_t> indices, float* out, int* targets,
                    std::uint64_t* content = nullptr) const;

  // Decodes and preprocesses the subset once, in parallel, into one buffer. An image that fails (DataError:
  // unreadable, not an image, damaged, wrong size) stops the preload under kFail; under kSkip it is left out
  // and listed in `skipped`.
  PreprocessedSet preload(const Subset& subset = {}, BadImages bad_images = BadImages::kFail) const;

 private:
  std::shared_ptr<const Dataset> data_;
  InputSpec input_;
  int label_offset_;
  Preprocessor pre_;
  unsigned threads_;
};

}  // namespace flipguard::data
