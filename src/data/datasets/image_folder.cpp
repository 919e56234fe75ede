#include "data/datasets/image_folder.hpp"

#include <algorithm>
#include <map>
#include <system_error>

#include "data/data_error.hpp"
#include "data/datasets/folder_walk.hpp"
#include "data/datasets/image_files.hpp"
#include "data/datasets/jpeg_list_dataset.hpp"
#include "data/file_io.hpp"
#include "data/text/text_lines.hpp"

namespace flipguard::data {

std::vector<std::string> read_class_names(const std::filesystem::path& file) {
  const std::string text = read_text_file(file);
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const TextLine& line : non_blank_lines(text)) {
    const std::size_t end = line.text.find_first_of(" \t,");
    std::string name(line.text.substr(0, end));
    if (const auto [it, fresh] = seen.emplace(name, line.number); !fresh)
      throw DataError(file.string() + ":" + std::to_string(line.number) + ": class '" + name +
                      "' is already listed on line " + std::to_string(it->second));
    names.push_back(std::move(name));
  }
  if (names.empty()) throw DataError(file.string() + ": lists no classes");
  return names;
}

namespace {

std::vector<std::filesystem::path> class_folders(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw DataError(dir.string() + ": not a folder");
  std::vector<std::filesystem::path> class_dirs;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && !is_jpeg_name(entry.path())) class_dirs.push_back(entry.path());
  if (ec) throw DataError(dir.string() + ": cannot read the folder (" + ec.message() + ")");
  std::sort(class_dirs.begin(), class_dirs.end());
  return class_dirs;
}

}  // namespace

bool has_class_subfolders(const std::filesystem::path& dir) {
  return !class_folders(dir).empty();
}

std::unique_ptr<Dataset> open_image_folder(const std::filesystem::path& dir, const std::string& name,
                                           const ImageFolderOptions& options) {
  const auto class_dirs = class_folders(dir);
  const auto loose = list_jpegs(dir, false, options.bad_images);

  if (class_dirs.empty()) {  // images without labels
    if (!options.classes_file.empty())
      throw DataError(dir.string() + ": has no class subfolders, so a classes file (" +
                      options.classes_file.string() + ") has nothing to map");
    if (loose.empty())
      throw DataError(dir.string() + ": no JPEG images (.jpg, .jpeg) and no class subfolders");
    std::vector<LabelledFile> files;
    for (const auto& p : loose) files.push_back({p, -1});
    return std::make_unique<JpegListDataset>(name, std::move(files), 0);
  }
  if (!loose.empty())
    throw DataError(dir.string() + ": holds both images (" + loose.front().filename().string() +
                    ") and class subfolders (" + class_dirs.front().filename().string() +
                    "); use one layout: images only (no labels) or one subfolder per class");

  // Every folder reached once: a class folder leading back to the data folder (or above it, or to another
  // class folder) would give other classes' images its label.
  FolderWalk seen;
  seen.add_with_ancestors(dir, "the data folder");
  for (const auto& d : class_dirs) seen.add_folder(d, "class folder '" + d.filename().string() + "'");

  std::map<std::string, int> label_of;
  int classes = 0;
  if (options.classes_file.empty()) {
    for (const auto& d : class_dirs) label_of[d.filename().string()] = classes++;
  } else {
    const auto names = read_class_names(options.classes_file);
    for (const auto& n : names) label_of[n] = classes++;
  }
  std::vector<LabelledFile> files;
  for (const auto& d : class_dirs) {
    const std::string cls = d.filename().string();
    const auto it = label_of.find(cls);
    if (it == label_of.end())
      throw DataError(d.string() + ": class folder '" + cls + "' is not listed in " +
                      options.classes_file.string());
    if (options.model_classes > 0 && it->second >= options.model_classes)
      throw DataError(d.string() + ": class folder '" + cls + "' gets label " + std::to_string(it->second) +
                      (options.classes_file.empty()
                           ? " (folders in sorted order)"
                           : " (its line in " + options.classes_file.string() + ")") +
                      " but the model has " + std::to_string(options.model_classes) +
                      " classes; map the folders to the model's outputs with --classes FILE");
    const auto images = list_jpegs(d, true, options.bad_images, seen);
    if (images.empty()) throw DataError(d.string() + ": class folder with no JPEG images (.jpg, .jpeg)");
    for (const auto& p : images) files.push_back({p, it->second});
  }
  return std::make_unique<JpegListDataset>(name, std::move(files), classes);
}

}  // namespace flipguard::data
