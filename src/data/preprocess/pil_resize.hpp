// Antialiased bilinear resize, bit-exact with PIL's Image.resize(size, Image.BILINEAR) on 8-bit images
// (libImaging/Resample.c): a separable triangle filter whose support grows with the downscale factor,
// coefficients normalised in double then quantised to 22-bit fixed point, horizontal pass first, both
// passes rounded to uint8.
#pragma once

#include "data/image.hpp"

namespace flipguard::data {

Image resize_bilinear(const Image& src, int out_height, int out_width);

// The [top, top+height) x [left, left+width) window of resize_bilinear(src, out_height, out_width),
// computing only the rows and columns the window needs (each output pixel depends only on its own
// coefficients, so this equals resizing and then cropping).
struct Window {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};
Image resize_bilinear_window(const Image& src, int out_height, int out_width, const Window& window);

}  // namespace flipguard::data
