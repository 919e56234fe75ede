// CIFAR-10 stored as one folder of JPEGs per class (the cifar10/test-jpeg asset).
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string_view>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"

namespace flipguard::data {

// The CIFAR-10 class names in label order.
const std::array<std::string_view, 10>& cifar10_classes();

// `dir`/CLASS/*.jpg for each class, files in name order; label = position of CLASS in cifar10_classes().
// Every entry named *.jpg/*.jpeg counts: one that is not a regular file (a folder, a dangling link) is an
// error under BadImages::kFail, and under kSkip an image that fails on load. Other names are not images.
std::unique_ptr<Dataset> open_cifar10_jpeg(const std::filesystem::path& dir, const std::string& name,
                                           BadImages bad_images = BadImages::kFail);

}  // namespace flipguard::data
