#include "evaluation/npy_file.hpp"

#include <bit>
#include <stdexcept>

#include "platform/output_file.hpp"

namespace flipguard::evaluation {

std::string npy_header(std::int64_t rows, std::int64_t cols) {
  const std::int64_t shape[] = {rows, cols};
  return npy_header(shape);
}

std::string npy_header(std::span<const std::int64_t> shape) {
  std::string dims;
  for (const std::int64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // (N, M); a single dimension keeps its comma: (N,)
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
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
  const std::int64_t shape[] = {rows, cols};
  write_npy(path, values, shape, inputs);
}

void write_npy(const std::filesystem::path& path, std::span<const float> values,
               std::span<const std::int64_t> shape, std::span<const std::filesystem::path> inputs) {
  static_assert(std::endian::native == std::endian::little, "the .npy writer assumes a little-endian host");
  std::uint64_t count = 1;
  for (const std::int64_t d : shape) {
    if (d < 0) throw std::logic_error("write_npy: a negative dimension");
    count *= static_cast<std::uint64_t>(d);
  }
  if (shape.empty() || count != values.size())
    throw std::logic_error("write_npy: shape does not match the values");
  const std::string header = npy_header(shape);
  const std::string_view parts[] = {header,
                                    {reinterpret_cast<const char*>(values.data()), values.size_bytes()}};
  platform::write_output_file(path, parts, inputs, "the outputs");
}

}  // namespace flipguard::evaluation
