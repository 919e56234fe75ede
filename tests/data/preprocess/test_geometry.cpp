#include <gtest/gtest.h>

#include "data/data_error.hpp"
#include "data/preprocess/geometry.hpp"

namespace flipguard::data {
namespace {

// Python 3's round() rounds halves to even: round(0.5) == 0, round(1.5) == 2, round(2.5) == 2.
TEST(Geometry, CenterCropOffsetRoundsHalvesToEvenLikeTorchvision) {
  EXPECT_EQ(center_crop_offset(256, 224), 16);
  EXPECT_EQ(center_crop_offset(225, 224), 0);  // 0.5
  EXPECT_EQ(center_crop_offset(227, 224), 2);  // 1.5
  EXPECT_EQ(center_crop_offset(229, 224), 2);  // 2.5
  EXPECT_EQ(center_crop_offset(231, 224), 4);  // 3.5
  EXPECT_EQ(center_crop_offset(224, 224), 0);
}

TEST(Geometry, ResizeShorterTruncatesTheLongSide) {
  const Size land = resize_shorter_size(375, 500, 256);  // 256 * 500 / 375 = 341.33
  EXPECT_EQ(land.height, 256);
  EXPECT_EQ(land.width, 341);
  const Size port = resize_shorter_size(500, 333, 256);  // 256 * 500 / 333 = 384.38
  EXPECT_EQ(port.height, 384);
  EXPECT_EQ(port.width, 256);
  const Size square = resize_shorter_size(227, 227, 256);
  EXPECT_EQ(square.height, 256);
  EXPECT_EQ(square.width, 256);
}

TEST(Geometry, ImageSizeThatCannotFeedTheModelIsAnErrorNamingTheImage) {
  PreprocessSpec pre;
  const InputSpec input{"x", 3, 224, 224};
  try {
    plan_geometry(pre, input, 227, 227, "val/img7.jpg");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(
        e.what(),
        "val/img7.jpg: image is 227x227 but the model input is 224x224 and the preprocessing has no crop "
        "(HxW)");
  }
  pre.crop = {224, 224};
  try {
    plan_geometry(pre, input, 200, 300, "small.jpg");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("small.jpg: image is 200x300, smaller than the center crop 224x224"),
              std::string::npos);
  }
  const Geometry g = plan_geometry(pre, input, 227, 227, "ok.jpg");
  EXPECT_EQ(g.window.top, 2);
  EXPECT_EQ(g.window.height, 224);
}

}  // namespace
}  // namespace flipguard::data
