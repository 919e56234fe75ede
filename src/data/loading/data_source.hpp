// What `--data` names, opened and preprocessed once: a built-in dataset (dataset_registry.hpp), or a user's
// data given by path: a folder of class subfolders or of unlabelled images (image_folder.hpp), a list file
// (list_file.hpp), or a tensor file of model inputs (.npy/.npz, tensor_file.hpp). Campaigns and `eval` load
// their images through here alike. For a causal language model, token sequences (lm_data_source.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/subset.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/manifest/manifest.hpp"

namespace flipguard::data {

struct DataRequest {
  std::string data;                    // a built-in name or a path; empty: the model's default dataset
  std::filesystem::path assets_dir;    // where built-in datasets are (empty: resolve_assets_dir())
  std::filesystem::path classes_file;  // folder name -> label, for a folder of class subfolders
  std::filesystem::path labels_file;   // labels of a .npy of inputs
  BadImages bad_images = BadImages::kFail;
  Subset subset;
  unsigned threads = 2;
};

struct LoadedData {
  // The dataset's name in records and reports: a built-in name, or "<kind>:<file or folder name>" with kind
  // folder (class subfolders), images (unlabelled folder), list or tensor; for a causal language model
  // tokens (a token file) or text (a .txt file or folder).
  std::string name;
  bool builtin = false;
  bool complete = false;  // every image of the data was selected (no --images subset)
  PreprocessedSet images;
  std::vector<std::string> notes;  // what the user should know about how the data was read, for "note:" lines
};

// Whether `data` is one of the built-in dataset names.
bool is_builtin_dataset(const std::string& data);

// Opens and preprocesses the data of `request` for `model`. A name that is neither built in nor an existing
// path is a DataError listing the built-in names and the forms a path may take.
LoadedData load_data(const DataRequest& request, const Manifest& model);

}  // namespace flipguard::data
