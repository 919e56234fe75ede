// Which files of a user's folder are images flipguard reads, so every folder-based dataset agrees: JPEG
// (.jpg, .jpeg, any case). Other image formats are refused by name rather than silently left out, which would
// shrink the dataset unnoticed.
#pragma once

#include <filesystem>
#include <vector>

#include "data/datasets/bad_images.hpp"
#include "data/datasets/folder_walk.hpp"

namespace flipguard::data {

// A .jpg/.jpeg name (case-insensitive).
bool is_jpeg_name(const std::filesystem::path& path);
// A name of an image format flipguard does not decode (.png, .bmp, .gif, .tif, .tiff, .webp, .ppm, .pgm).
bool is_other_image_name(const std::filesystem::path& path);

// The JPEG files directly in `dir` (recursive: in it and its subfolders), sorted by path. Links are followed;
// a folder or file reached twice (a link back up, two ways to one file) is a DataError naming the link
// (folder_walk.hpp). A file named like another image format is a DataError naming it; so, under kFail, is an
// entry named like a JPEG that is no regular file (a folder, a dangling link, a FIFO, a device, a socket);
// under kSkip it stays listed, to fail on load without blocking and be counted out. Anything else not named
// like a JPEG is not part of the dataset.
std::vector<std::filesystem::path> list_jpegs(const std::filesystem::path& dir, bool recursive,
                                              BadImages bad_images);
// The same, within a walk that has already reached `seen` (the data folder and its class folders).
std::vector<std::filesystem::path> list_jpegs(const std::filesystem::path& dir, bool recursive,
                                              BadImages bad_images, FolderWalk& seen);

}  // namespace flipguard::data
