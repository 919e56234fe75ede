// Dataset names of the model sidecars -> readers, and where the assets folder is.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"

namespace flipguard::data {

// The built-in datasets' names, in listing order: "cifar10-jpeg", "cifar10-lossless200", ...
std::vector<std::string> dataset_names();
// The folders of the assets folder they are read from, each once: "cifar10/", "imagenet-val1300/", "mnist/".
std::vector<std::string> dataset_top_folders();

// Opens dataset `name` below `assets_dir`; an unknown name is a DataError listing the known ones. Under
// BadImages::kFail a listed image file that is missing or of the wrong kind is an error here already; under
// kSkip it stays in the dataset and fails on load(), so that BatchLoader::preload can count it out.
std::unique_ptr<Dataset> open_dataset(const std::string& name, const std::filesystem::path& assets_dir,
                                      BadImages bad_images = BadImages::kFail);

// The assets folder: `override_dir` if non-empty, else $FLIPGUARD_ASSETS, else
// $FLIPGUARD_SOURCE_DIR/../shared/assets, else the first P/../shared/assets that exists for P = the current
// directory, the executable's folder, or any of their parents. Throws DataError listing what was tried.
std::filesystem::path resolve_assets_dir(const std::filesystem::path& override_dir = {});

}  // namespace flipguard::data
