#include <gtest/gtest.h>

#include "data/codecs/jpeg_decoder.hpp"
#include "data/data_error.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

std::filesystem::path a_real_jpeg() {
  return testing::assets_dir() / "imagenet-val1300" / "data" / "ILSVRC2012_val_00000347.JPEG";
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JpegDecoder, DecodesRgbAndGrey) {
  const Image rgb = read_jpeg(a_real_jpeg(), PixelFormat::kRGB);
  EXPECT_EQ(rgb.height, 227);
  EXPECT_EQ(rgb.width, 227);
  EXPECT_EQ(rgb.channels, 3);
  const Image grey = read_jpeg(a_real_jpeg(), PixelFormat::kGray);
  EXPECT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.pixels.size(), 227u * 227u);
  // A natural photo is neither constant nor grey in every pixel.
  std::size_t coloured = 0;
  for (std::size_t i = 0; i < rgb.pixels.size(); i += 3)
    coloured += rgb.pixels[i] != rgb.pixels[i + 1] || rgb.pixels[i + 1] != rgb.pixels[i + 2];
  EXPECT_GT(coloured, rgb.pixels.size() / 30);
}

TEST(JpegDecoder, MissingFileIsNamed) {
  EXPECT_NE(error_of([] {
              read_jpeg("/nonexistent/x.jpg", PixelFormat::kRGB);
            }).find("/nonexistent/x.jpg: cannot open (No such file or directory)"),
            std::string::npos);
}

TEST(JpegDecoder, GarbageAndEmptyFilesAreRejected) {
  const std::string garbage(500, 'x');
  const std::vector<std::uint8_t> bytes(garbage.begin(), garbage.end());
  EXPECT_NE(
      error_of([&] { decode_jpeg(bytes, PixelFormat::kRGB, "junk.jpg"); }).find("junk.jpg: not a valid JPEG"),
      std::string::npos);
  EXPECT_NE(error_of([] { decode_jpeg({}, PixelFormat::kRGB, "empty.jpg"); }).find("empty.jpg: empty file"),
            std::string::npos);
}

TEST(JpegDecoder, TruncatedOrDamagedJpegIsAnErrorNotAPartialImage) {
  std::vector<char> raw = testing::read_bytes(a_real_jpeg());
  ASSERT_GT(raw.size(), 2000u);
  std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
  const std::vector<std::uint8_t> truncated(bytes.begin(),
                                            bytes.begin() + static_cast<long>(bytes.size() / 2));
  EXPECT_NE(
      error_of([&] { decode_jpeg(truncated, PixelFormat::kRGB, "cut.jpg"); }).find("cut.jpg: corrupt JPEG"),
      std::string::npos);
  testing::TempDir dir;
  testing::write_file(dir / "cut.jpg", std::string(truncated.begin(), truncated.end()));
  EXPECT_NE(error_of([&] { read_jpeg(dir / "cut.jpg", PixelFormat::kRGB); }).find((dir / "cut.jpg").string()),
            std::string::npos);
}

}  // namespace
}  // namespace flipguard::data
