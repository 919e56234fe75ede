// A user's folder of JPEG images, in one of two layouts:
// - class subfolders (torchvision's ImageFolder convention): one folder per class, the class names sorted
//   give the labels 0, 1, ...; or, with a classes file, each folder's label is the line of its name there
//   (so folders named by ImageNet synsets map to a model's output indices; the sidecar's label_offset still
//   applies). Images are found in each class folder and its subfolders.
// - images directly in the folder and no subfolders: a dataset without labels.
// A folder with no images, a class folder with no images, or a folder that mixes both layouts is a DataError
// naming it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/dataset.hpp"

namespace flipguard::data {

struct ImageFolderOptions {
  std::filesystem::path classes_file;  // empty: sorted folder names
  int model_classes = 0;               // labels the model can score (outputs - label_offset); 0: unchecked
  BadImages bad_images = BadImages::kFail;
};

std::unique_ptr<Dataset> open_image_folder(const std::filesystem::path& dir, const std::string& name,
                                           const ImageFolderOptions& options);

// Whether `dir` has subfolders (the class layout); false for a folder of images only.
bool has_class_subfolders(const std::filesystem::path& dir);

// The class names of a classes file: the first word of each non-blank line, in order (the line's place is
// the label), e.g. synset_words.txt ("n01440764 tench, Tinca tinca"). A name listed twice is an error.
std::vector<std::string> read_class_names(const std::filesystem::path& file);

}  // namespace flipguard::data
