#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>

#include "data/pil_resize.hpp"
#include "test_support.hpp"

namespace flipguard::data {
namespace {

// Same formula as synthetic_image() in tests/data/gen_reference.py.
Image synthetic_image(int h, int w, int c) {
  Image img(h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        int v = (x * x * 31 + y * y * 17 + x * y * 7 + ch * 89 + (x ^ y) * 13) % 256;
        if ((x / 5 + y / 4) % 3 == 0) v = 255 - v;
        img.row(y)[x * c + ch] = static_cast<std::uint8_t>(v);
      }
  return img;
}

std::uint32_t u32(const std::vector<char>& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// Expected outputs come from PIL itself (tests/data/gen_reference.py fixtures).
TEST(PilResize, MatchesPilBilinearExactlyOnSyntheticCases) {
  const std::vector<char> blob =
      testing::read_bytes(testing::tests_dir() / "fixtures" / "pil_resize_synthetic.bin");
  ASSERT_GE(blob.size(), 4u);
  const std::uint32_t cases = u32(blob, 0);
  ASSERT_GE(cases, 6u);
  std::size_t at = 4;
  for (std::uint32_t i = 0; i < cases; ++i) {
    const int c = static_cast<int>(u32(blob, at)), ih = static_cast<int>(u32(blob, at + 4)),
              iw = static_cast<int>(u32(blob, at + 8)), oh = static_cast<int>(u32(blob, at + 12)),
              ow = static_cast<int>(u32(blob, at + 16));
    at += 20;
    const std::size_t n = static_cast<std::size_t>(oh) * ow * c;
    ASSERT_LE(at + n, blob.size());
    const Image out = resize_bilinear(synthetic_image(ih, iw, c), oh, ow);
    ASSERT_EQ(out.pixels.size(), n);
    int mismatches = 0;
    for (std::size_t k = 0; k < n; ++k)
      mismatches += out.pixels[k] != static_cast<std::uint8_t>(blob[at + k]);
    EXPECT_EQ(mismatches, 0) << "case " << i << ": " << ih << "x" << iw << "x" << c << " -> " << oh << "x"
                             << ow;
    at += n;
  }
  EXPECT_EQ(at, blob.size());
}

TEST(PilResize, WindowEqualsCropOfFullResize) {
  const Image src = synthetic_image(37, 53, 3);
  std::mt19937 rng(7);
  for (int t = 0; t < 40; ++t) {
    const int oh = 1 + static_cast<int>(rng() % 90), ow = 1 + static_cast<int>(rng() % 90);
    const Window w{static_cast<int>(rng() % oh), static_cast<int>(rng() % ow), 0, 0};
    const Window win{w.top, w.left, 1 + static_cast<int>(rng() % (oh - w.top)),
                     1 + static_cast<int>(rng() % (ow - w.left))};
    const Image full = resize_bilinear(src, oh, ow);
    const Image part = resize_bilinear_window(src, oh, ow, win);
    ASSERT_EQ(part.height, win.height);
    ASSERT_EQ(part.width, win.width);
    for (int y = 0; y < win.height; ++y)
      for (int x = 0; x < win.width; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(part.at(y, x, c), full.at(win.top + y, win.left + x, c))
              << oh << "x" << ow << " at " << y;
  }
}

TEST(PilResize, SameSizeIsIdentityAndConstantsStayConstant) {
  const Image src = synthetic_image(19, 23, 3);
  EXPECT_EQ(resize_bilinear(src, 19, 23).pixels, src.pixels);
  for (int level : {0, 1, 128, 254, 255}) {
    Image flat(19, 23, 1);
    std::fill(flat.pixels.begin(), flat.pixels.end(), static_cast<std::uint8_t>(level));
    for (auto [oh, ow] : {std::pair{7, 5}, std::pair{40, 61}, std::pair{19, 2}}) {
      const Image out = resize_bilinear(flat, oh, ow);
      for (std::uint8_t v : out.pixels) ASSERT_EQ(v, level) << oh << "x" << ow;
    }
  }
}

TEST(PilResize, RejectsEmptyOutputAndOutOfRangeWindows) {
  const Image src = synthetic_image(8, 8, 1);
  EXPECT_THROW(resize_bilinear(src, 0, 4), std::invalid_argument);
  EXPECT_THROW(resize_bilinear_window(src, 10, 10, Window{5, 0, 6, 10}), std::invalid_argument);
  EXPECT_THROW(resize_bilinear(Image{}, 4, 4), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::data
