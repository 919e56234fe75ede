#include "data/image_files.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <system_error>

#include "data/data_error.hpp"

namespace flipguard::data {

namespace {

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

void add_entry(const std::filesystem::directory_entry& entry, BadImages bad_images,
               std::vector<std::filesystem::path>& out) {
  std::error_code ec;
  if (is_other_image_name(entry.path()) && !entry.is_directory(ec))
    throw DataError(entry.path().string() +
                    ": only JPEG images are read (.jpg, .jpeg); convert it or move it "
                    "out of the folder");
  if (!is_jpeg_name(entry.path())) return;
  if (bad_images == BadImages::kFail && !std::filesystem::is_regular_file(entry.path(), ec))
    throw DataError(entry.path().string() + ": not a regular file (" +
                    (entry.is_symlink(ec) ? "a dangling link" : "a folder or special file") +
                    "); remove it or use --bad-images skip");
  out.push_back(entry.path());
}

}  // namespace

bool is_jpeg_name(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".jpg" || ext == ".jpeg";
}

bool is_other_image_name(const std::filesystem::path& path) {
  static const std::array<const char*, 8> others{".png",  ".bmp",  ".gif", ".tif",
                                                 ".tiff", ".webp", ".ppm", ".pgm"};
  const std::string ext = lower_extension(path);
  return std::any_of(others.begin(), others.end(), [&](const char* o) { return ext == o; });
}

std::vector<std::filesystem::path> list_jpegs(const std::filesystem::path& dir, bool recursive,
                                              BadImages bad_images) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (recursive) {
    auto it = std::filesystem::recursive_directory_iterator(
        dir, std::filesystem::directory_options::follow_directory_symlink, ec);
    if (ec) throw DataError(dir.string() + ": cannot read the folder (" + ec.message() + ")");
    for (const auto& entry : it) add_entry(entry, bad_images, out);
  } else {
    auto it = std::filesystem::directory_iterator(dir, ec);
    if (ec) throw DataError(dir.string() + ": cannot read the folder (" + ec.message() + ")");
    for (const auto& entry : it) add_entry(entry, bad_images, out);
  }
  std::sort(out.begin(), out.end());  // directory order is unspecified; sorting makes indices stable
  return out;
}

}  // namespace flipguard::data
