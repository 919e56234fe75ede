// Properties every resize filter of the preprocessor must have, checked for each of them: a window of the
// output equals the crop of the full output, same size is the identity, constants stay constant, bad sizes
// throw.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>

#include "data/preprocess/bilinear_noaa.hpp"
#include "data/preprocess/pil_resize.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

using testing::synthetic_image;

struct Filter {
  const char* name;
  Image (*full)(const Image&, int, int);
  Image (*window)(const Image&, int, int, const Window&);
};

class ResizeProperties : public ::testing::TestWithParam<Filter> {};

TEST_P(ResizeProperties, WindowEqualsCropOfFullResize) {
  const Image src = synthetic_image(37, 53, 3);
  std::mt19937 rng(7);
  for (int t = 0; t < 40; ++t) {
    const int oh = 1 + static_cast<int>(rng() % 90), ow = 1 + static_cast<int>(rng() % 90);
    const int top = static_cast<int>(rng() % oh), left = static_cast<int>(rng() % ow);
    const Window win{top, left, 1 + static_cast<int>(rng() % (oh - top)),
                     1 + static_cast<int>(rng() % (ow - left))};
    const Image full = GetParam().full(src, oh, ow);
    const Image part = GetParam().window(src, oh, ow, win);
    ASSERT_EQ(part.height, win.height);
    ASSERT_EQ(part.width, win.width);
    for (int y = 0; y < win.height; ++y)
      for (int x = 0; x < win.width; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(part.at(y, x, c), full.at(win.top + y, win.left + x, c))
              << oh << "x" << ow << " at " << y;
  }
}

TEST_P(ResizeProperties, SameSizeIsIdentityAndConstantsStayConstant) {
  const Image src = synthetic_image(19, 23, 3);
  EXPECT_EQ(GetParam().full(src, 19, 23).pixels, src.pixels);
  for (int level : {0, 1, 128, 254, 255}) {
    Image flat(19, 23, 1);
    std::fill(flat.pixels.begin(), flat.pixels.end(), static_cast<std::uint8_t>(level));
    for (auto [oh, ow] : {std::pair{7, 5}, std::pair{40, 61}, std::pair{19, 2}}) {
      const Image out = GetParam().full(flat, oh, ow);
      for (std::uint8_t v : out.pixels) ASSERT_EQ(v, level) << oh << "x" << ow;
    }
  }
}

TEST_P(ResizeProperties, RejectsEmptyOutputAndOutOfRangeWindows) {
  const Image src = synthetic_image(8, 8, 1);
  EXPECT_THROW(GetParam().full(src, 0, 4), std::invalid_argument);
  EXPECT_THROW(GetParam().window(src, 10, 10, Window{5, 0, 6, 10}), std::invalid_argument);
  EXPECT_THROW(GetParam().full(Image{}, 4, 4), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Filters, ResizeProperties,
                         ::testing::Values(Filter{"pil_bilinear", resize_bilinear, resize_bilinear_window},
                                           Filter{"bilinear_noaa", resize_bilinear_noaa,
                                                  resize_bilinear_noaa_window}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace flipguard::data
