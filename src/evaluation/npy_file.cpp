#include "evaluation/npy_file.hpp"

#include <bit>
#include <stdexcept>

#include "platform/output_file.hpp"

namespace flipguard::evaluation {

std::string npy_header(std::int64_t rows, std::int64_t cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "), }";
  // magic (6) + version (2) + header length (2) + dict, space-padded, ending in a newline.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  const auto len = static_cast<std::uint16_t>(dict.size());
  std::string header("\x93NUMPY\x01\x00", 8);
  header += static_cast<char>(len & 0xff);
  header += static_cast<char>(len >> 8);
  return header + dict;
}

void write_npy(const std::filesystem::path& path, std::span<const float> values, std::int64_t rows,
               std::int64_t cols, std::span<const std::filesystem::path> inputs) {
  static_assert(std::endian::native == std::endian::little, "the .npy writer assumes a little-endian host");
  if (rows < 0 || cols < 0 ||
      static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols) != values.size())
    throw std::logic_error("write_npy: shape does not match the values");
  const std::string header = npy_header(rows, cols);
  const std::string_view parts[] = {header,
                                    {reinterpret_cast<const char*>(values.data()), values.size_bytes()}};
  platform::write_output_file(path, parts, inputs, "the outputs");
}

}  // namespace flipguard::evaluation
