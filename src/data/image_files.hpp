// Which files of a user's folder are images flipguard reads, so every folder-based dataset agrees: JPEG
// (.jpg, .jpeg, any case). Other image formats are refused by name rather than silently left out, which would
// shrink the dataset unnoticed.
#pragma once

#include <filesystem>
#include <vector>

#include "data/bad_images.hpp"

namespace flipguard::data {

// A .jpg/.jpeg name (case-insensitive).
bool is_jpeg_name(const std::filesystem::path& path);
// A name of an image format flipguard does not decode (.png, .bmp, .gif, .tif, .tiff, .webp, .ppm, .pgm).
bool is_other_image_name(const std::filesystem::path& path);

// The JPEG files directly in `dir` (recursive: in it and its subfolders), sorted by path. A file named like
// another image format is a DataError naming it; so, under kFail, is a folder or dangling link named like a
// JPEG (under kSkip it stays listed, to fail on load and be counted out).
std::vector<std::filesystem::path> list_jpegs(const std::filesystem::path& dir, bool recursive,
                                              BadImages bad_images);

}  // namespace flipguard::data
