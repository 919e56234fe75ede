// Inputs that crashed or misled the data readers (found by fuzz/jpeg.cpp and fuzz/label_lists.cpp): each
// must now be a clean error naming the file and the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "data/codecs/jpeg_decoder.hpp"
#include "data/data_error.hpp"
#include "data/datasets/raw_image_dataset.hpp"
#include "data/manifest/manifest.hpp"
#include "test_support.hpp"

namespace flipguard::data {
namespace {

TEST(FuzzRegressions, JpegClaimingHugeDimensionsIsRefusedBeforeAllocating) {
  // A real 775-byte CIFAR-10 JPEG whose header was edited to 65000x65000: the decoder used to allocate 12.7
  // GB for it before reading a pixel.
  const auto p = testing::source_dir() / "fuzz/regressions/jpeg/claims-65000x65000.jpg";
  try {
    read_jpeg(p, PixelFormat::kRGB);
    FAIL() << "decoded " << p;
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string() + ": JPEG claims 65000x65000 pixels, more than the 100-megapixel limit"),
              std::string::npos)
        << msg;
  }
}

TEST(FuzzRegressions, TheUneditedJpegStillDecodes) {
  // The same file before the edit (from the committed corpus): the limit must not refuse real images.
  const Image img =
      read_jpeg(testing::source_dir() / "fuzz/corpus/jpeg/cifar10-cat-0784.jpg", PixelFormat::kRGB);
  EXPECT_EQ(img.height, 32);
  EXPECT_EQ(img.width, 32);
}

TEST(FuzzRegressions, RawImageOfTheWrongSizeIsNamedWithTheListLine) {
  testing::TempDir dir;
  testing::write_file(dir / "a.bin", std::string(3072, '\1'));
  testing::write_file(dir / "b.bin", std::string(3000, '\1'));
  testing::write_file(dir / "y_labels.csv", "a.bin,10,4\nb.bin,10,2\n");
  try {
    open_cifar10_raw(dir.path(), "t");
    FAIL() << "opened a list with a short image";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((dir / "y_labels.csv").string() + ":2: " + (dir / "b.bin").string() +
                       ": raw image has 3000 bytes, expected 3072"),
              std::string::npos)
        << msg;
  }
}

TEST(FuzzRegressions, SidecarWithANumberPastDoubleIsInvalidJsonNamingTheFile) {
  // nlohmann reports 91e4222449674 as out_of_range, not parse_error: it escaped without the file's name.
  const auto p = testing::source_dir() / "fuzz/regressions/manifest/number-overflow.json";
  try {
    load_manifest(p);
    FAIL() << "parsed " << p;
  } catch (const DataError& e) {
    // The file also holds a NUL byte, which the text reader refuses first, naming the file and line.
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string() + ":18: holds a NUL byte"), std::string::npos) << msg;
  }
  const std::vector<char> bytes = testing::read_bytes(p);
  try {
    parse_manifest(std::string_view(bytes.data(), bytes.size()), p.string());
    FAIL() << "parsed " << p;
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string() + ": invalid JSON:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("number overflow"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace flipguard::data
