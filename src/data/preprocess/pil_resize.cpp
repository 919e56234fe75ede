#include "data/preprocess/pil_resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::data {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's PRECISION_BITS

// Per output position: first input index, tap count, and `ksize` fixed-point weights.
struct Coefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::int32_t> weights;
};

double triangle(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// precompute_coeffs() + normalize_coeffs_8bpc() of PIL, same expressions in the same order so the
// double arithmetic rounds identically.
Coefficients precompute(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<std::size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = triangle((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
      const double v = k[x] * (1 << kPrecisionBits);
      c.weights[static_cast<std::size_t>(xx) * c.ksize + x] =
          static_cast<std::int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

std::uint8_t clip8(std::int32_t v) {
  if (v >= (1 << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<std::uint8_t>(v >> kPrecisionBits);
}

// Horizontal pass over source rows [row0, row0 + rows), output columns [col0, col0 + cols). All channels of a
// pixel are accumulated together (as PIL does), with the channel count known at compile time.
template <int C>
void horizontal_rows(const Image& src, const Coefficients& c, int row0, int col0, Image& out) {
  for (int y = 0; y < out.height; ++y) {
    const std::uint8_t* in = src.row(row0 + y);
    std::uint8_t* o = out.row(y);
    for (int xx = 0; xx < out.width; ++xx) {
      const int ox = col0 + xx;
      const std::int32_t* k = &c.weights[static_cast<std::size_t>(ox) * c.ksize];
      const std::uint8_t* p = in + static_cast<std::size_t>(c.first[ox]) * C;
      std::int32_t ss[C];
      for (int cc = 0; cc < C; ++cc) ss[cc] = 1 << (kPrecisionBits - 1);
      for (int x = 0; x < c.count[ox]; ++x)
        for (int cc = 0; cc < C; ++cc) ss[cc] += p[x * C + cc] * k[x];
      for (int cc = 0; cc < C; ++cc) o[xx * C + cc] = clip8(ss[cc]);
    }
  }
}

Image horizontal(const Image& src, const Coefficients& c, int row0, int rows, int col0, int cols) {
  Image out(rows, cols, src.channels);
  switch (src.channels) {
    case 1:
      horizontal_rows<1>(src, c, row0, col0, out);
      break;
    case 3:
      horizontal_rows<3>(src, c, row0, col0, out);
      break;
    case 4:
      horizontal_rows<4>(src, c, row0, col0, out);
      break;
    default:
      throw std::invalid_argument("resize_bilinear: unsupported channel count " +
                                  std::to_string(src.channels));
  }
  return out;
}

// Vertical pass producing output rows [row0, row0 + rows); `src` row 0 is source row `src_row0`.
Image vertical(const Image& src, const Coefficients& c, int src_row0, int row0, int rows) {
  const int ch = src.channels;
  const std::size_t stride = src.row_stride();
  Image out(rows, src.width, ch);
  std::vector<std::int32_t> acc(stride);
  for (int yy = 0; yy < rows; ++yy) {
    const int oy = row0 + yy;
    const std::int32_t* k = &c.weights[static_cast<std::size_t>(oy) * c.ksize];
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    // Row-at-a-time accumulation: same integer sums as PIL's per-pixel loop, but contiguous memory.
    for (int y = 0; y < c.count[oy]; ++y) {
      const std::uint8_t* in = src.row(c.first[oy] - src_row0 + y);
      const std::int32_t w = k[y];
      for (std::size_t i = 0; i < stride; ++i) acc[i] += in[i] * w;
    }
    std::uint8_t* o = out.row(yy);
    for (std::size_t i = 0; i < stride; ++i) o[i] = clip8(acc[i]);
  }
  return out;
}

Image copy_window(const Image& src, const Window& w) {
  Image out(w.height, w.width, src.channels);
  for (int y = 0; y < w.height; ++y)
    std::copy_n(src.row(w.top + y) + static_cast<std::size_t>(w.left) * src.channels, out.row_stride(),
                out.row(y));
  return out;
}

}  // namespace

Image resize_bilinear_window(const Image& src, int out_height, int out_width, const Window& w) {
  if (src.height <= 0 || src.width <= 0 || src.channels <= 0)
    throw std::invalid_argument("resize_bilinear: empty source image");
  if (out_height <= 0 || out_width <= 0)
    throw std::invalid_argument("resize_bilinear: output size must be positive, got " +
                                std::to_string(out_height) + "x" + std::to_string(out_width));
  if (w.top < 0 || w.left < 0 || w.height <= 0 || w.width <= 0 || w.top + w.height > out_height ||
      w.left + w.width > out_width)
    throw std::invalid_argument("resize_bilinear: window outside the " + std::to_string(out_height) + "x" +
                                std::to_string(out_width) + " output");
  // PIL skips a pass whose size does not change; its coefficients would be the identity anyway.
  const bool need_h = out_width != src.width;
  const bool need_v = out_height != src.height;
  if (!need_h && !need_v) return copy_window(src, w);
  if (!need_v) {
    const Coefficients ch = precompute(src.width, out_width);
    return horizontal(src, ch, w.top, w.height, w.left, w.width);
  }
  const Coefficients cv = precompute(src.height, out_height);
  const int last = w.top + w.height - 1;
  const int row_first = cv.first[w.top];
  const int row_end = cv.first[last] + cv.count[last];
  Image rows;
  if (need_h) {
    const Coefficients ch = precompute(src.width, out_width);
    rows = horizontal(src, ch, row_first, row_end - row_first, w.left, w.width);
  } else {
    rows = copy_window(src, Window{row_first, w.left, row_end - row_first, w.width});
  }
  return vertical(rows, cv, row_first, w.top, w.height);
}

Image resize_bilinear(const Image& src, int out_height, int out_width) {
  return resize_bilinear_window(src, out_height, out_width, Window{0, 0, out_height, out_width});
}

}  // namespace flipguard::data
