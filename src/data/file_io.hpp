// Whole-file reads (plain and gzip) of regular files only (platform/input_file.hpp), with errors that name
// the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flipguard::data {

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

// Decompresses a .gz file completely; a truncated or corrupt stream is an error, not a short result.
std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path);

// The one reader of users' text files (list, classes and labels files, sidecars): UTF-8 or UTF-16 decoded
// to UTF-8 (text_encoding.hpp); errors name "file:line".
std::string read_text_file(const std::filesystem::path& path);

// The file name's extension in lower case (".JPG" -> ".jpg"; "" without one): how files are told apart.
std::string lower_extension(const std::filesystem::path& path);

}  // namespace flipguard::data
