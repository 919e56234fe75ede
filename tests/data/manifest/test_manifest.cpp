#include <gtest/gtest.h>

#include "data/data_error.hpp"
#include "data/manifest/manifest.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

using testing::sidecar;

// A valid sidecar as JSON, which each error test breaks in one place.
nlohmann::json valid() {
  return nlohmann::json::parse(testing::read_bytes(sidecar("resnet50.json")));
}

std::string error_of(const nlohmann::json& j) {
  try {
    parse_manifest(j.dump(), "models/x.json");
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Manifest, ParsesEveryFieldOfTheContract) {
  const Manifest m = load_manifest(sidecar("resnet50.json"));
  EXPECT_EQ(m.name, "resnet50");
  EXPECT_EQ(m.onnx_path(), sidecar("resnet50.onnx"));
  EXPECT_EQ(m.input.name, "input");
  EXPECT_EQ(m.input.channels, 3);
  EXPECT_EQ(m.input.height, 224);
  EXPECT_EQ(m.input.width, 224);
  EXPECT_EQ(m.output.name, "logits");
  EXPECT_EQ(m.output.classes, 1000);
  EXPECT_EQ(m.output.label_offset, 0);
  EXPECT_EQ(m.preprocess.resize_shorter, 256);
  EXPECT_EQ(m.preprocess.crop, (std::array<int, 2>{224, 224}));
  EXPECT_EQ(m.preprocess.channel_order, ChannelOrder::kBGR);
  EXPECT_EQ(m.preprocess.mean, (std::vector<double>{103.939, 116.779, 123.68}));
  EXPECT_EQ(m.dataset, "imagenet-val1300");
  EXPECT_DOUBLE_EQ(m.reference_top1.at("imagenet-val1300"), 80.5);
}

TEST(Manifest, OptionalFieldsTakeTheirDefaults) {
  const Manifest m = load_manifest(sidecar("squeezenet.json"));
  EXPECT_EQ(m.output.label_offset, 0);
  EXPECT_EQ(m.preprocess.resize_shorter, 0);
  EXPECT_FALSE(m.preprocess.resizes());
  EXPECT_FALSE(m.preprocess.crops());
  EXPECT_DOUBLE_EQ(m.preprocess.scale, 1.0);
  EXPECT_EQ(m.preprocess.resize_filter, ResizeFilter::kBilinear);
  EXPECT_EQ(m.sha256, "");
}

TEST(Manifest, ResizeFilterNamesBothFilters) {
  EXPECT_EQ(load_manifest(sidecar("mobilenet_noaa.json")).preprocess.resize_filter,
            ResizeFilter::kBilinearNoaa);
  auto j = valid();
  j["preprocess"]["resize_filter"] = "bilinear";
  EXPECT_EQ(parse_manifest(j.dump(), "<inline>").preprocess.resize_filter, ResizeFilter::kBilinear);
  EXPECT_STREQ(to_string(ResizeFilter::kBilinearNoaa), "bilinear-noaa");
  EXPECT_STREQ(to_string(ResizeFilter::kBilinear), "bilinear");
}

TEST(Manifest, AcceptsTheCommentedExampleOfTheContract) {
  const std::string text = R"({"name": "m", "onnx": "m.onnx",
    "input": {"name": "x", "channels": 1, "height": 28, "width": 28},  // NCHW
    "output": {"name": "y", "classes": 1001, "label_offset": 1},
    "preprocess": {"channel_order": "GRAY", "mean": [0.5], "std": [2]}})";
  const Manifest m = parse_manifest(text, "<inline>");
  EXPECT_EQ(m.output.label_offset, 1);
  EXPECT_EQ(m.preprocess.channel_order, ChannelOrder::kGray);
}

TEST(Manifest, ErrorsNameTheFileAndTheField) {
  auto j = valid();
  j["onnx"] = "";  // would name the sidecar's folder as the model
  EXPECT_EQ(error_of(j),
            "models/x.json: field 'onnx': is empty; name the ONNX file, relative to the sidecar's folder");

  j = valid();
  j["input"].erase("height");
  EXPECT_EQ(error_of(j), "models/x.json: field 'input.height': missing (required integer)");

  j = valid();
  j["preprocess"]["channel_order"] = "RBG";
  EXPECT_NE(error_of(j).find("field 'preprocess.channel_order': expected \"RGB\", \"BGR\" or \"GRAY\""),
            std::string::npos);

  j = valid();
  j["preprocess"]["mean"] = {1.0, 2.0};
  EXPECT_NE(error_of(j).find("field 'preprocess.mean': expected an array of 3 numbers"), std::string::npos);

  j = valid();
  j["preprocess"]["std"] = {1.0, 0.0, 1.0};
  EXPECT_NE(error_of(j).find("'preprocess.std': entries must be non-zero"), std::string::npos);

  j = valid();
  j["preprocess"]["resize_shorte"] = 256;
  EXPECT_EQ(error_of(j), "models/x.json: field 'preprocess.resize_shorte': unknown key");

  j = valid();
  j["preprocess"]["resize_filter"] = "bilinear-antialias";
  EXPECT_EQ(error_of(j),
            "models/x.json: field 'preprocess.resize_filter': expected \"bilinear\" (PIL, antialiased) or "
            "\"bilinear-noaa\" (no antialiasing), got \"bilinear-antialias\"");

  j = valid();
  j["preprocess"]["resize_filter"] = 1;
  EXPECT_EQ(error_of(j), "models/x.json: field 'preprocess.resize_filter': expected a string, got 1");

  j = valid();
  j["preprocess"]["crop"] = {227, 227};
  EXPECT_NE(error_of(j).find("'preprocess.crop': crop [227, 227] must equal the input size [224, 224]"),
            std::string::npos);

  j = valid();
  j["preprocess"]["resize_to"] = {256, 256};
  EXPECT_NE(error_of(j).find("resize_shorter and resize_to are alternatives"), std::string::npos);

  j = valid();
  j["input"]["channels"] = 1;
  EXPECT_NE(error_of(j).find("'preprocess.mean'"), std::string::npos);

  j = valid();
  j["output"]["classes"] = "1000";
  EXPECT_NE(error_of(j).find("'output.classes': expected an integer, got \"1000\""), std::string::npos);

  j = valid();
  j["reference_top1"]["imagenet-val1300"] = 805;
  EXPECT_NE(error_of(j).find("'reference_top1.imagenet-val1300'"), std::string::npos);
}

TEST(Manifest, GreyOrderNeedsOneChannel) {
  auto j = valid();
  j["preprocess"]["channel_order"] = "GRAY";
  EXPECT_NE(error_of(j).find("\"GRAY\" does not fit 3 input channels"), std::string::npos);
}

TEST(Manifest, InvalidJsonAndMissingFileAreNamed) {
  try {
    parse_manifest("{\"name\": ", "models/broken.json");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("models/broken.json: invalid JSON"), std::string::npos);
  }
  try {
    load_manifest("/nonexistent/model.json");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.json: cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace flipguard::data
