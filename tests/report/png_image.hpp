// Reads an 8-bit, non-interlaced PNG (what Chromium's screenshots are) into RGB pixels: the chunks, zlib
// inflation and the five row filters. Enough to check a screenshot's size and what it shows.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::test {

struct PngImage {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
};

inline PngImage read_png(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  const auto u8 = [&](std::size_t k) { return static_cast<std::uint8_t>(bytes.at(k)); };
  const auto be32 = [&](std::size_t k) {
    return std::uint32_t(u8(k)) << 24 | std::uint32_t(u8(k + 1)) << 16 | std::uint32_t(u8(k + 2)) << 8 |
           u8(k + 3);
  };
  if (bytes.size() < 33 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error(path.string() + ": not a PNG file");
  PngImage img;
  int depth = 0, color = 0, interlace = 0;
  std::string idat;
  for (std::size_t p = 8; p + 8 <= bytes.size();) {
    const std::uint32_t len = be32(p);
    const std::string type = bytes.substr(p + 4, 4);
    if (p + 12 + len > bytes.size()) throw std::runtime_error(path.string() + ": truncated chunk " + type);
    if (type == "IHDR") {
      img.width = be32(p + 8);
      img.height = be32(p + 12);
      depth = u8(p + 16);
      color = u8(p + 17);
      interlace = u8(p + 20);
    } else if (type == "IDAT") {
      idat += bytes.substr(p + 8, len);
    } else if (type == "IEND") {
      break;
    }
    p += 12 + len;
  }
  const int channels = color == 0 ? 1 : color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 0;
  if (depth != 8 || channels == 0 || interlace != 0)
    throw std::runtime_error(path.string() + ": unsupported PNG (depth " + std::to_string(depth) +
                             ", colour type " + std::to_string(color) + ", interlace " +
                             std::to_string(interlace) + ")");
  const std::size_t stride = std::size_t(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size())
    throw std::runtime_error(path.string() + ": corrupt image data");
  std::vector<std::uint8_t> cur(stride), prev(stride, 0);
  img.rgb.resize(std::size_t(img.width) * img.height * 3);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= std::size_t(channels) ? cur[x - channels] : 0, b = prev[x],
                c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw std::runtime_error(path.string() + ": bad row filter " + std::to_string(filter));
      }
      cur[x] = static_cast<std::uint8_t>(in[x] + pred);
    }
    for (std::uint32_t x = 0; x < img.width; ++x)
      for (int ch = 0; ch < 3; ++ch)
        img.rgb[(std::size_t(y) * img.width + x) * 3 + ch] = cur[x * channels + (channels >= 3 ? ch : 0)];
    std::swap(cur, prev);
  }
  return img;
}

}  // namespace flipguard::test
