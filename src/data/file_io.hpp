// Whole-file reads (plain and gzip) with errors that name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flipguard::data {

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

// Decompresses a .gz file completely; a truncated or corrupt stream is an error, not a short result.
std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path);

std::string read_text_file(const std::filesystem::path& path);

}  // namespace flipguard::data
