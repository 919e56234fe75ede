#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <tuple>

#include "data/data_error.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/preprocess/preprocessor.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

struct Check {
  std::string dataset;
  std::size_t index;
  std::string sidecar;
};

std::vector<Check> pipeline_checks() {
  std::vector<Check> out;
  const nlohmann::json stats = testing::dataset_stats();  // named: a temporary would die before the loop
  for (const auto& c : stats.at("pipeline_checks"))
    out.push_back({c.at("dataset"), c.at("index"), c.at("sidecar")});
  return out;
}

// Checksums of PIL's preprocessing of real images, committed in dataset_stats.json: always checked.
TEST(PreprocessReference, UintStageMatchesCommittedPilChecksums) {
  const nlohmann::json checks = testing::dataset_stats().at("pipeline_checks");
  ASSERT_GE(checks.size(), 6u);
  for (const auto& c : checks) {
    const std::string what = c.at("dataset").get<std::string>() + "#" +
                             std::to_string(c.at("index").get<int>()) + " with " +
                             c.at("sidecar").get<std::string>();
    const auto data = open_dataset(c.at("dataset"), testing::assets_dir());
    const Manifest m = load_manifest(testing::sidecar(c.at("sidecar")));
    const std::size_t idx = c.at("index");
    EXPECT_EQ(data->label(idx), c.at("label").get<int>()) << what;
    const Image img = Preprocessor(m).pixels(data->load(idx), data->source(idx));
    EXPECT_EQ((std::vector<int>{img.height, img.width, img.channels}), c.at("shape").get<std::vector<int>>())
        << what;
    long long sum = 0, weighted = 0;
    for (std::size_t i = 0; i < img.pixels.size(); ++i) {
      sum += img.pixels[i];
      weighted += static_cast<long long>(img.pixels[i]) * static_cast<long long>(i % 251 + 1);
    }
    EXPECT_EQ(sum, c.at("sum").get<long long>()) << what;
    EXPECT_EQ(weighted, c.at("weighted_sum").get<long long>()) << what;
  }
}

// Full comparison against PIL + numpy run now on the same images (uint8 stage and float tensor).
TEST(PreprocessReference, MatchesPilAndNumpyPixelForPixel) {
  if (!testing::have_reference_python()) GTEST_SKIP() << "/usr/bin/python3 with PIL and numpy not available";
  testing::TempDir dir;
  for (const Check& c : pipeline_checks()) {
    const std::string what = c.dataset + "#" + std::to_string(c.index) + " with " + c.sidecar;
    const std::string prefix = (dir / "ref").string();
    const std::string cmd = "/usr/bin/python3 '" + (testing::tests_dir() / "gen_reference.py").string() +
                            "' tensor '" + testing::assets_dir().string() + "' " + c.dataset + " " +
                            std::to_string(c.index) + " '" + testing::sidecar(c.sidecar).string() + "' '" +
                            prefix + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::vector<char> ref_u8 = testing::read_bytes(prefix + ".u8");
    const std::vector<char> ref_f32 = testing::read_bytes(prefix + ".f32");

    const auto data = open_dataset(c.dataset, testing::assets_dir());
    const Manifest m = load_manifest(testing::sidecar(c.sidecar));
    const Preprocessor pre(m);
    const Image img = pre.pixels(data->load(c.index), data->source(c.index));
    ASSERT_EQ(img.pixels.size(), ref_u8.size()) << what;
    int max_diff = 0;
    std::size_t differing = 0;
    for (std::size_t i = 0; i < ref_u8.size(); ++i) {
      const int d = std::abs(int{img.pixels[i]} - int{static_cast<std::uint8_t>(ref_u8[i])});
      max_diff = std::max(max_diff, d);
      differing += d != 0;
    }
    std::printf("[ vs ref   ] %s: %zu of %zu uint8 values differ (max %d)\n", what.c_str(), differing,
                ref_u8.size(), max_diff);
    EXPECT_LE(max_diff, 1) << what;
    EXPECT_EQ(differing, 0u) << what << ": " << differing << " of " << ref_u8.size() << " values differ";

    std::vector<float> tensor(pre.sample_floats());
    pre.run(data->load(c.index), data->source(c.index), tensor.data());
    ASSERT_EQ(tensor.size() * sizeof(float), ref_f32.size()) << what;
    const auto* ref = reinterpret_cast<const float*>(ref_f32.data());
    double worst = 0.0;
    for (std::size_t i = 0; i < tensor.size(); ++i)
      worst = std::max(
          worst, std::abs(double{tensor[i]} - double{ref[i]}) / std::max(1.0, std::abs(double{ref[i]})));
    EXPECT_LT(worst, 1e-6) << what;
  }
}

// Breadth: checksums of the uint8 stage for runs of consecutive images, computed by PIL now.
TEST(PreprocessReference, ManyImagesMatchPilChecksums) {
  if (!testing::have_reference_python()) GTEST_SKIP() << "/usr/bin/python3 with PIL and numpy not available";
  testing::TempDir dir;
  const std::vector<std::tuple<std::string, std::size_t, std::size_t, std::string>> runs{
      {"imagenet-val1300", 0, 120, "resnet50.json"},
      {"imagenet-val1300", 600, 40, "gray_resize_to.json"},
      {"imagenet-val1300", 200, 150, "mobilenet_noaa.json"},
      {"imagenet-val1300", 900, 20, "noaa_shorter_crop.json"},
      {"cifar10-jpeg", 2990, 20, "cifar_resnet20.json"},
      {"cifar10-lossless200", 0, 200, "cifar_resnet20.json"},
      {"mnist-test", 0, 300, "mnist8.json"},
  };
  for (const auto& [dataset, first, count, sidecar] : runs) {
    const std::string out = (dir / "sums.bin").string();
    const std::string cmd = "/usr/bin/python3 '" + (testing::tests_dir() / "gen_reference.py").string() +
                            "' sums '" + testing::assets_dir().string() + "' " + dataset + " " +
                            std::to_string(first) + " " + std::to_string(count) + " '" +
                            testing::sidecar(sidecar).string() + "' '" + out + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::vector<char> raw = testing::read_bytes(out);
    ASSERT_EQ(raw.size(), count * 2 * sizeof(long long)) << cmd;
    const auto* ref = reinterpret_cast<const long long*>(raw.data());
    const auto data = open_dataset(dataset, testing::assets_dir());
    const Preprocessor pre(load_manifest(testing::sidecar(sidecar)));
    std::size_t mismatched = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Image img = pre.pixels(data->load(first + i), data->source(first + i));
      long long sum = 0, weighted = 0;
      for (std::size_t k = 0; k < img.pixels.size(); ++k) {
        sum += img.pixels[k];
        weighted += static_cast<long long>(img.pixels[k]) * static_cast<long long>(k % 251 + 1);
      }
      mismatched += sum != ref[2 * i] || weighted != ref[2 * i + 1];
    }
    std::printf("[ vs ref   ] %s [%zu, %zu) with %s: %zu of %zu images differ\n", dataset.c_str(), first,
                first + count, sidecar.c_str(), mismatched, count);
    EXPECT_EQ(mismatched, 0u) << dataset << " with " << sidecar;
  }
}

TEST(Preprocessor, ChannelOrderAndScalingFollowTheSidecar) {
  // One 1x2 RGB image through a BGR spec, computed by hand from the contract's formula.
  InputSpec input{"x", 3, 1, 2};
  PreprocessSpec pre;
  pre.channel_order = ChannelOrder::kBGR;
  pre.scale = 0.5;
  pre.mean = {1.0, 2.0, 3.0};
  pre.std = {2.0, 4.0, 8.0};
  Image img(1, 2, 3);
  img.pixels = {10, 20, 30, 40, 50, 60};  // (R,G,B) per pixel
  std::vector<float> out(6);
  Preprocessor(input, pre).run(img, "hand", out.data());
  // channel 0 is B: (30*0.5-1)/2, (60*0.5-1)/2; channel 1 is G with mean 2, std 4; channel 2 is R.
  EXPECT_EQ(out, (std::vector<float>{7.0f, 14.5f, 2.0f, 5.75f, 0.25f, 2.125f}));
}

TEST(Preprocessor, WrongImageSizeForAModelWithoutResizeIsNamed) {
  const Manifest m = load_manifest(testing::sidecar("resnet50.json"));
  Manifest no_resize = m;
  no_resize.preprocess.resize_shorter = 0;
  no_resize.preprocess.crop = {0, 0};
  const auto val = open_dataset("imagenet-val1300", testing::assets_dir());
  std::vector<float> out(Preprocessor(no_resize).sample_floats());
  try {
    Preprocessor(no_resize).run(val->load(5), val->source(5), out.data());
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find(val->source(5) + ": image is 227x227 but the model input is 224x224"),
        std::string::npos);
  }
}

}  // namespace
}  // namespace flipguard::data
