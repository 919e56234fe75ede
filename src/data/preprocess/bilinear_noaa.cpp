#include "data/preprocess/bilinear_noaa.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::data {

namespace {

constexpr int kBits = 22;  // fractional bits of the weights, as in PIL

// The two source taps and integer weights (w0 + w1 = 2^kBits) of output positions [first, first + count).
struct Taps {
  std::vector<int> i0, i1;
  std::vector<std::int64_t> w0, w1;
};

Taps taps(int in_size, int out_size, int first, int count) {
  // src = max(0, (k + 0.5) * in / out - 0.5) = num / den exactly.
  const std::int64_t den = 2LL * out_size;
  Taps t;
  for (int k = first; k < first + count; ++k) {
    const std::int64_t num = std::max<std::int64_t>(0, (2LL * k + 1) * in_size - out_size);
    const int i0 = static_cast<int>(std::min<std::int64_t>(num / den, in_size - 1));
    const std::int64_t w1 = (((num - i0 * den) << kBits) + out_size) / den;  // rounded half up
    t.i0.push_back(i0);
    t.i1.push_back(std::min(i0 + 1, in_size - 1));
    t.w0.push_back((std::int64_t{1} << kBits) - w1);
    t.w1.push_back(w1);
  }
  return t;
}

}  // namespace

Image resize_bilinear_noaa_window(const Image& src, int out_height, int out_width, const Window& w) {
  if (src.height <= 0 || src.width <= 0 || src.channels <= 0)
    throw std::invalid_argument("resize_bilinear_noaa: empty source image");
  if (out_height <= 0 || out_width <= 0)
    throw std::invalid_argument("resize_bilinear_noaa: output size must be positive, got " +
                                std::to_string(out_height) + "x" + std::to_string(out_width));
  if (w.top < 0 || w.left < 0 || w.height <= 0 || w.width <= 0 || w.top + w.height > out_height ||
      w.left + w.width > out_width)
    throw std::invalid_argument("resize_bilinear_noaa: window outside the " + std::to_string(out_height) +
                                "x" + std::to_string(out_width) + " output");
  const Taps tx = taps(src.width, out_width, w.left, w.width);
  const Taps ty = taps(src.height, out_height, w.top, w.height);
  const int ch = src.channels;
  const std::size_t row_len = static_cast<std::size_t>(w.width) * ch;

  // Horizontal pass, unrounded (scaled by 2^kBits), over the source rows the window reads (taps are
  // non-decreasing).
  const int row0 = ty.i0.front();
  const int rows = ty.i1.back() - row0 + 1;
  std::vector<std::int64_t> h(static_cast<std::size_t>(rows) * row_len);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(row0 + y);
    std::int64_t* o = &h[static_cast<std::size_t>(y) * row_len];
    for (int x = 0; x < w.width; ++x) {
      const std::uint8_t* a = in + static_cast<std::size_t>(tx.i0[x]) * ch;
      const std::uint8_t* b = in + static_cast<std::size_t>(tx.i1[x]) * ch;
      for (int c = 0; c < ch; ++c) o[x * ch + c] = tx.w0[x] * a[c] + tx.w1[x] * b[c];
    }
  }

  Image out(w.height, w.width, ch);
  for (int y = 0; y < w.height; ++y) {
    const std::int64_t* a = &h[static_cast<std::size_t>(ty.i0[y] - row0) * row_len];
    const std::int64_t* b = &h[static_cast<std::size_t>(ty.i1[y] - row0) * row_len];
    const std::int64_t w0 = ty.w0[y], w1 = ty.w1[y];
    std::uint8_t* o = out.row(y);
    // A convex combination of uint8 values scaled by 2^(2 kBits) (< 2^52): one rounding, half up, to [0,
    // 255].
    constexpr std::int64_t kHalf = std::int64_t{1} << (2 * kBits - 1);
    for (std::size_t i = 0; i < row_len; ++i)
      o[i] = static_cast<std::uint8_t>((w0 * a[i] + w1 * b[i] + kHalf) >> (2 * kBits));
  }
  return out;
}

Image resize_bilinear_noaa(const Image& src, int out_height, int out_width) {
  return resize_bilinear_noaa_window(src, out_height, out_width, Window{0, 0, out_height, out_width});
}

}  // namespace flipguard::data
