// Bilinear resize without antialiasing (sidecar filter "bilinear-noaa"): every output pixel interpolates its
// 2x2 nearest source pixels, whatever the scale, as TF2 tf.image.resize(antialias=False), OpenCV INTER_LINEAR
// and torch F.interpolate(mode="bilinear", align_corners=False, antialias=False) do. Some published
// accuracies were measured this way; PIL's antialiased BILINEAR (pil_resize.hpp) shifts them by several
// points.
//
// Exact definition, per axis with in -> out pixels (scripts/reference/datasets.py computes the same in numpy
// and checks it against torch):
//   src = max(0, (dst + 0.5) * in / out - 0.5)      half-pixel centres, clamped at the first pixel
//   i0 = floor(src), i1 = min(i0 + 1, in - 1), w1 = src - i0, w0 = 1 - w1
// with src taken as the exact fraction ((2 dst + 1) in - out) / (2 out) and w1 rounded half up to 22 bits (as
// PIL quantises its weights). Integer arithmetic: rows first, h = w0x * p[i0x] + w1x * p[i1x], then
// v = w0y * h[i0y] + w1y * h[i1y], rounded half up to uint8 once at the end. Being exact, it gives the same
// bytes on every compiler and in numpy; against torch's float64 result a value moves by < 2e-4 before the
// rounding, so a pixel differs from torch's rounded one only at (near) ties.
#pragma once

#include "data/image.hpp"
#include "data/preprocess/pil_resize.hpp"

namespace flipguard::data {

Image resize_bilinear_noaa(const Image& src, int out_height, int out_width);

// The `window` of resize_bilinear_noaa(src, out_height, out_width), computing only what the window needs.
Image resize_bilinear_noaa_window(const Image& src, int out_height, int out_width, const Window& window);

}  // namespace flipguard::data
