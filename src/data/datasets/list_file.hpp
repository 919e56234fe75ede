// A list file of labelled JPEG images: one image per line, `path,label` (CSV) or `path label` (blank
// separated); the label is the last field, so paths may hold commas or blanks. Paths are relative to the list
// file's folder (or absolute). An optional first line `path,label` (any names) whose label field is not
// written as a number at all is a header (a first line labelled `0.0` is an error, not a header); lines
// starting with '#' are comments. Labels run from 0; the dataset has
// max label + 1 classes.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"

namespace flipguard::data {

// `model_classes` > 0: a label at or beyond it is a DataError naming the line.
std::unique_ptr<Dataset> open_list_file(const std::filesystem::path& list, const std::string& name,
                                        int model_classes, BadImages bad_images = BadImages::kFail);

}  // namespace flipguard::data
