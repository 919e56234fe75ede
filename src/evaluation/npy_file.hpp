// Model outputs as a NumPy .npy file (format version 1.0, little-endian float32, C order), which
// numpy.load reads without help.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace flipguard::evaluation {

// The 1.0 header of a float32 C-order array of shape [rows, cols], padded so the data starts at a multiple of
// 64 bytes.
std::string npy_header(std::int64_t rows, std::int64_t cols);
// The same for any shape (a language model's [sequences, length, vocab]).
std::string npy_header(std::span<const std::int64_t> shape);

// Writes `values` (rows x cols floats) to `path` as platform::write_output_file writes (a reader never sees a
// half-written file; never over one of `inputs`). std::runtime_error naming the path on any failure.
void write_npy(const std::filesystem::path& path, std::span<const float> values, std::int64_t rows,
               std::int64_t cols, std::span<const std::filesystem::path> inputs = {});
void write_npy(const std::filesystem::path& path, std::span<const float> values,
               std::span<const std::int64_t> shape, std::span<const std::filesystem::path> inputs = {});

}  // namespace flipguard::evaluation
