// A decoded 8-bit image in HWC order: the form every dataset hands out before preprocessing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flipguard::data {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;                  // 1 (grey) or 3 (RGB)
  std::vector<std::uint8_t> pixels;  // height * width * channels, row-major, channels interleaved

  Image() = default;
  Image(int h, int w, int c)
      : height(h), width(w), channels(c), pixels(static_cast<std::size_t>(h) * w * c) {}

  std::size_t row_stride() const { return static_cast<std::size_t>(width) * channels; }
  const std::uint8_t* row(int y) const { return pixels.data() + y * row_stride(); }
  std::uint8_t* row(int y) { return pixels.data() + y * row_stride(); }
  std::uint8_t at(int y, int x, int c) const { return row(y)[static_cast<std::size_t>(x) * channels + c]; }
};

}  // namespace flipguard::data
