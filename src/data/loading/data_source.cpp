#include "data/loading/data_source.hpp"

#include <algorithm>
#include <memory>
#include <system_error>

#include "data/data_error.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/datasets/image_folder.hpp"
#include "data/datasets/list_file.hpp"
#include "data/datasets/tensor_file.hpp"
#include "data/loading/data_paths.hpp"
#include "data/loading/lm_data_source.hpp"

namespace flipguard::data {

namespace {

void preload(std::unique_ptr<Dataset> dataset, const Manifest& model, const DataRequest& r, LoadedData& out) {
  const BatchLoader loader(std::shared_ptr<const Dataset>(std::move(dataset)), model, r.threads);
  out.images = loader.preload(r.subset, r.bad_images);
  out.complete = out.images.size() + out.images.skipped.size() == loader.size();
}

void refuse(const std::filesystem::path& option_file, const char* option, const std::string& why) {
  if (!option_file.empty()) throw DataError(std::string(option) + " " + option_file.string() + ": " + why);
}

}  // namespace

bool is_builtin_dataset(const std::string& data) {
  const auto names = dataset_names();
  return std::find(names.begin(), names.end(), data) != names.end();
}

LoadedData load_data(const DataRequest& request, const Manifest& model) {
  if (model.is_lm()) return load_lm_data(request, model);
  LoadedData out;
  const std::string data = request.data.empty() ? model.dataset : request.data;
  if (data.empty()) throw DataError(model.name + " declares no default dataset: give --data");
  const int model_classes = model.output.classes - model.output.label_offset;
  if (is_builtin_dataset(data)) {
    refuse(request.classes_file, "--classes",
           "is for a folder of class subfolders, not the built-in " + data);
    refuse(request.labels_file, "--labels", "is for a .npy of inputs, not the built-in " + data);
    out.name = data;
    out.builtin = true;
    preload(open_dataset(data, resolve_assets_dir(request.assets_dir), request.bad_images), model, request,
            out);
    return out;
  }
  const std::filesystem::path path = data_path(data);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::string known;
    for (const std::string& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
    throw DataError("data '" + data + "' is neither a built-in dataset (" + known +
                    ") nor an existing folder of images, list file or .npy/.npz tensor file");
  }
  if (std::filesystem::is_directory(path, ec)) {
    refuse(request.labels_file, "--labels", "is for a .npy of inputs, not a folder of images");
    ImageFolderOptions o;
    o.classes_file = request.classes_file;
    o.model_classes = model_classes;
    o.bad_images = request.bad_images;
    out.name = (has_class_subfolders(path) ? "folder:" : "images:") + data_base_name(path);
    auto dataset = open_image_folder(path, out.name, o);
    // One class folder and no classes file: every image gets label 0, which is rarely what was meant.
    if (dataset->num_classes() == 1 && request.classes_file.empty())
      out.notes.push_back(
          path.string() + " has a single class folder, so every image gets label 0 (the model's " +
          "output " + std::to_string(model.output.label_offset) +
          "); give --classes FILE to label it by its name, or point --data at the folder above");
    preload(std::move(dataset), model, request, out);
    return out;
  }
  refuse(request.classes_file, "--classes", "is for a folder of class subfolders, not a file");
  if (is_tensor_file_name(path)) {
    TensorFileOptions o;
    o.labels_file = request.labels_file;
    o.channels = model.input.channels;
    o.height = model.input.height;
    o.width = model.input.width;
    o.model_classes = model_classes;
    o.label_offset = model.output.label_offset;
    o.subset = request.subset;
    out.name = "tensor:" + data_base_name(path);
    out.images = load_tensor_file(path, o);
    out.complete = request.subset.limit == 0 || out.images.size() < request.subset.limit;
    return out;
  }
  refuse(request.labels_file, "--labels", "is for a .npy of inputs, not a list file");
  out.name = "list:" + data_base_name(path);
  preload(open_list_file(path, out.name, model_classes, request.bad_images), model, request, out);
  return out;
}

}  // namespace flipguard::data
