#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "data/preprocess/bilinear_noaa.hpp"
#include "data/preprocess/pil_resize.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

using testing::synthetic_image;

Image row_image(std::vector<std::uint8_t> values) {
  Image img(1, static_cast<int>(values.size()), 1);
  img.pixels = std::move(values);
  return img;
}

// Expected outputs come from the numpy reference in scripts/reference/datasets.py, itself checked against
// torch F.interpolate(antialias=False) (tests/data/gen_reference.py fixtures): shrinking, enlarging and mixed
// cases, 1 and 3 channels.
TEST(BilinearNoaa, MatchesThePythonReferenceOnSyntheticCases) {
  const std::vector<testing::ResizeCase> cases = testing::read_resize_fixture("noaa_resize_synthetic.bin");
  ASSERT_GE(cases.size(), 6u);
  for (const testing::ResizeCase& c : cases) {
    const Image out =
        resize_bilinear_noaa(synthetic_image(c.in_height, c.in_width, c.channels), c.out_height, c.out_width);
    ASSERT_EQ(out.pixels.size(), c.expected.size());
    int mismatches = 0;
    for (std::size_t k = 0; k < out.pixels.size(); ++k) mismatches += out.pixels[k] != c.expected[k];
    EXPECT_EQ(mismatches, 0) << c.in_height << "x" << c.in_width << "x" << c.channels << " -> "
                             << c.out_height << "x" << c.out_width;
  }
}

TEST(BilinearNoaa, HalfPixelCentresByHand) {
  // 4 -> 2: outputs sit at source coordinates 0.5 and 2.5, the midpoints of pixels (0, 1) and (2, 3);
  // (10 + 21) / 2 = 15.5 rounds up.
  EXPECT_EQ(resize_bilinear_noaa(row_image({10, 21, 31, 255}), 1, 2).pixels,
            (std::vector<std::uint8_t>{16, 143}));
  // 2 -> 4: coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last pixel: its value).
  EXPECT_EQ(resize_bilinear_noaa(row_image({0, 200}), 1, 4).pixels,
            (std::vector<std::uint8_t>{0, 50, 150, 200}));
}

TEST(BilinearNoaa, ShrinkingReadsOnlyTwoTapsUnlikePil) {
  // 4x shrink: output x reads source columns 4x+1 and 4x+2, so the bright columns 4x never show, while
  // PIL's antialiased filter averages over 4 columns and sees them.
  Image src(8, 32, 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 32; x += 4) std::fill_n(src.row(y) + x * 3, 3, std::uint8_t{255});
  const Image noaa = resize_bilinear_noaa(src, 2, 8);
  EXPECT_EQ(*std::max_element(noaa.pixels.begin(), noaa.pixels.end()), 0);
  const Image pil = resize_bilinear(src, 2, 8);
  EXPECT_GT(*std::min_element(pil.pixels.begin(), pil.pixels.end()), 30);
}

}  // namespace
}  // namespace flipguard::data
