// ImageNet validation subsets listed as "./data/FILE, LABEL" lines (the imagenet-val1300 asset).
#pragma once

#include <filesystem>
#include <memory>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"

namespace flipguard::data {

// Reads `dir`/dataset.txt; paths are relative to `dir`, labels 0..999. Every listed file must exist (under
// BadImages::kSkip a missing one is kept and fails on load instead).
std::unique_ptr<Dataset> open_imagenet_list(const std::filesystem::path& dir, const std::string& name,
                                            BadImages bad_images = BadImages::kFail);

}  // namespace flipguard::data
