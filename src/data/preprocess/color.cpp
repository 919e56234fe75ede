#include "data/preprocess/color.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace flipguard::data {

Image rgb_to_luma(const Image& rgb) {
  if (rgb.channels != 3) throw std::invalid_argument("rgb_to_luma: expected 3 channels");
  Image out(rgb.height, rgb.width, 1);
  const std::size_t n = out.pixels.size();
  const std::uint8_t* p = rgb.pixels.data();
  for (std::size_t i = 0; i < n; ++i, p += 3)
    out.pixels[i] = static_cast<std::uint8_t>((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
  return out;
}

Image grey_to_rgb(const Image& grey) {
  if (grey.channels != 1) throw std::invalid_argument("grey_to_rgb: expected 1 channel");
  Image out(grey.height, grey.width, 3);
  for (std::size_t i = 0; i < grey.pixels.size(); ++i)
    out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = grey.pixels[i];
  return out;
}

Image with_channels(Image img, int channels) {
  if (img.channels == channels) return img;
  if (img.channels == 3 && channels == 1) return rgb_to_luma(img);
  if (img.channels == 1 && channels == 3) return grey_to_rgb(img);
  throw std::invalid_argument("with_channels: cannot convert " + std::to_string(img.channels) + " to " +
                              std::to_string(channels) + " channels");
}

}  // namespace flipguard::data
