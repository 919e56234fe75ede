#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "data/pil_resize.hpp"
#include "test_support.hpp"

namespace flipguard::data {
namespace {

using testing::synthetic_image;

// Expected outputs come from PIL itself (tests/data/gen_reference.py fixtures).
TEST(PilResize, MatchesPilBilinearExactlyOnSyntheticCases) {
  const std::vector<testing::ResizeCase> cases = testing::read_resize_fixture("pil_resize_synthetic.bin");
  ASSERT_GE(cases.size(), 6u);
  for (const testing::ResizeCase& c : cases) {
    const Image out =
        resize_bilinear(synthetic_image(c.in_height, c.in_width, c.channels), c.out_height, c.out_width);
    ASSERT_EQ(out.pixels.size(), c.expected.size());
    int mismatches = 0;
    for (std::size_t k = 0; k < out.pixels.size(); ++k) mismatches += out.pixels[k] != c.expected[k];
    EXPECT_EQ(mismatches, 0) << c.in_height << "x" << c.in_width << "x" << c.channels << " -> "
                             << c.out_height << "x" << c.out_width;
  }
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
