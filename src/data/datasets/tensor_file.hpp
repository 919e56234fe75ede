// Inputs that are not images, or were preprocessed elsewhere: a tensor file of model inputs, fed to the model
// as they are (no decoding, resizing or normalisation).
// - X.npy: float32, shape N x C x H x W matching the model's input; labels, optional, in a second .npy of N
//   integers (any integer dtype);
// - X.npz (np.savez or np.savez_compressed): array `x` as above, optional `y` the labels.
// Every problem (dtype, byte order, Fortran order, shape, truncation, a label the model cannot score, a
// non-finite input) is a DataError naming the file.
#pragma once

#include <filesystem>

#include "data/datasets/subset.hpp"
#include "data/loading/batch_loader.hpp"

namespace flipguard::data {

struct TensorFileOptions {
  std::filesystem::path labels_file;        // for a .npy of inputs; empty: no labels
  int channels = 0, height = 0, width = 0;  // the model's input
  int model_classes = 0;                    // labels the model can score (outputs - label_offset)
  int label_offset = 0;
  Subset subset;
};

bool is_tensor_file_name(const std::filesystem::path& path);  // .npy or .npz

// The inputs as a preprocessed set: indices are positions in the file, content hashes cover each input's
// bytes, targets are label + label_offset (or -1 without labels).
PreprocessedSet load_tensor_file(const std::filesystem::path& path, const TensorFileOptions& options);

}  // namespace flipguard::data
