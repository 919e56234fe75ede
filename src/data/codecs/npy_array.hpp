// A strict reader of NumPy's .npy format (versions 1.0, 2.0 and 3.0): the header's dict literal is parsed,
// not guessed at, and only what the data layer can use is accepted: little-endian (or single-byte) numbers in
// C order, whose byte count matches the shape exactly. Anything else is a DataError naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flipguard::data {

struct NpyArray {
  char kind = 'f';     // 'f' float, 'i' signed integer, 'u' unsigned integer, 'b' bool
  int item_bytes = 4;  // 1, 2, 4 or 8
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;  // the elements, little-endian, C order

  std::int64_t elements() const;
  std::string dtype() const;       // numpy's name: "float32", "int64", ...
  std::string shape_text() const;  // "(2, 3, 32, 32)"
};

// `bytes` is a whole .npy file; `source` names it in errors (a path, or "archive.npz:x.npy"). The data is
// moved out of `bytes` (no second copy of a large array).
NpyArray parse_npy(std::vector<std::uint8_t> bytes, const std::string& source);

}  // namespace flipguard::data
