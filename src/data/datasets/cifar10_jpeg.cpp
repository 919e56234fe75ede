#include "data/datasets/cifar10_jpeg.hpp"

#include <algorithm>

#include "data/data_error.hpp"
#include "data/datasets/jpeg_list_dataset.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

const std::array<std::string_view, 10>& cifar10_classes() {
  static const std::array<std::string_view, 10> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                                      "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

std::unique_ptr<Dataset> open_cifar10_jpeg(const std::filesystem::path& dir, const std::string& name,
                                           BadImages bad_images) {
  std::vector<LabelledFile> files;
  int label = 0;
  for (std::string_view cls : cifar10_classes()) {
    const std::filesystem::path class_dir = dir / cls;
    if (!std::filesystem::is_directory(class_dir))
      throw DataError(class_dir.string() + ": class folder does not exist");
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(class_dir)) {
      const std::string ext = lower_extension(entry.path());
      if (ext != ".jpg" && ext != ".jpeg") continue;
      // Ignoring a folder or a dangling link named like an image would silently shrink the dataset.
      std::error_code ec;
      if (bad_images == BadImages::kFail && !std::filesystem::is_regular_file(entry.path(), ec))
        throw DataError(entry.path().string() + ": not a regular file (" +
                        (entry.is_symlink(ec) ? "a dangling link" : "a folder or special file") +
                        "); remove it or use --bad-images skip");
      paths.push_back(entry.path());
    }
    if (paths.empty()) throw DataError(class_dir.string() + ": no .jpg files");
    std::sort(paths.begin(), paths.end());  // directory order is unspecified; sorting makes indices stable
    for (auto& p : paths) files.push_back({std::move(p), label});
    ++label;
  }
  return std::make_unique<JpegListDataset>(name, std::move(files), 10);
}

}  // namespace flipguard::data
