#include "data/datasets/image_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <string>
#include <system_error>

#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "platform/input_file.hpp"

namespace flipguard::data {

namespace {

[[noreturn]] void refuse_other_format(const std::filesystem::path& path) {
  throw DataError(path.string() +
                  ": only JPEG images are read (.jpg, .jpeg); convert it or move it out of the folder");
}

// An entry named like a JPEG that is no regular file: an error under kFail; under kSkip listed, to fail on
// load (without blocking: file_io opens regular files only) and be counted out like any unusable image.
void add_unusable(const std::filesystem::path& path, const std::string& kind, BadImages bad_images,
                  std::vector<std::filesystem::path>& out) {
  if (bad_images == BadImages::kFail)
    throw DataError(path.string() + ": not a regular file (" + kind +
                    "); remove it or use --bad-images skip");
  out.push_back(path);
}

// The entries of `dir`; with `recursive`, its subfolders' too, each folder entered once (FolderWalk).
void walk(const std::filesystem::path& dir, bool recursive, BadImages bad_images, FolderWalk& seen,
          std::vector<std::filesystem::path>& out) {
  std::error_code ec;
  std::vector<std::filesystem::path> entries;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    entries.push_back(it->path());
  if (ec) throw DataError(dir.string() + ": cannot read the folder (" + ec.message() + ")");
  std::sort(entries.begin(), entries.end());  // so the first of two ways to one file is the one listed
  for (const auto& path : entries) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {  // a dangling link, or gone meanwhile
      if (is_other_image_name(path)) refuse_other_format(path);
      if (is_jpeg_name(path)) add_unusable(path, "a dangling link", bad_images, out);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (is_jpeg_name(path)) {
        add_unusable(path, "a folder", bad_images, out);
      } else if (recursive) {
        seen.add_folder(path, st.st_dev, st.st_ino, "a folder already listed");
        walk(path, recursive, bad_images, seen, out);
      }
      continue;
    }
    if (is_other_image_name(path)) refuse_other_format(path);
    if (!is_jpeg_name(path)) continue;  // not part of the dataset (README.txt, a FIFO named "pipe", ...)
    if (!S_ISREG(st.st_mode)) {
      add_unusable(path, platform::file_kind(st.st_mode), bad_images, out);
      continue;
    }
    // A link to an image elsewhere is kept (datasets are symlinked into place); the same file twice is not.
    seen.add_file(path, st.st_dev, st.st_ino);
    out.push_back(path);
  }
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
                                              BadImages bad_images, FolderWalk& seen) {
  std::vector<std::filesystem::path> out;
  walk(dir, recursive, bad_images, seen, out);
  std::sort(out.begin(), out.end());  // directory order is unspecified; sorting makes indices stable
  return out;
}

std::vector<std::filesystem::path> list_jpegs(const std::filesystem::path& dir, bool recursive,
                                              BadImages bad_images) {
  FolderWalk seen;
  seen.add_with_ancestors(dir, "the listed folder");
  return list_jpegs(dir, recursive, bad_images, seen);
}

}  // namespace flipguard::data
