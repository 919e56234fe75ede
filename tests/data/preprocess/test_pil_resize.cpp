#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "data/preprocess/pil_resize.hpp"
#include "data/test_support.hpp"

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

}  // namespace
}  // namespace flipguard::data
