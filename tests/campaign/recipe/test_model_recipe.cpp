// A model is fed by its sidecar, a named preset or explicit settings, in that order of precedence; an .onnx
// file needs no sidecar. Each case checks the effective input and preprocessing, or the error that names the
// setting at fault.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/records/campaign_identity.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "data/manifest/manifest.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

const fs::path kModels = flipguard::testing::models_dir();

CampaignConfig onnx_config(const std::string& preset = "cifar") {
  CampaignConfig c;
  c.model = (kModels / "resnet20.onnx").string();
  c.preset = preset;
  return c;
}

std::string error_of(const CampaignConfig& c) {
  try {
    resolve_model(c);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ModelSource, OnnxWithoutSidecarTakesItsInputAndClassesFromTheGraph) {
  const auto m = resolve_model(onnx_config());
  EXPECT_EQ(m.name, "resnet20");
  EXPECT_EQ(m.input.name, "input");
  EXPECT_EQ(m.input.channels, 3);
  EXPECT_EQ(m.input.height, 32);
  EXPECT_EQ(m.input.width, 32);
  EXPECT_EQ(m.input.layout, data::InputLayout::kNCHW);
  EXPECT_EQ(m.output.name, "logits");
  EXPECT_EQ(m.output.classes, 10);
  EXPECT_EQ(m.onnx_path(), kModels / "resnet20.onnx");
  EXPECT_EQ(m.preprocess.channel_order, data::ChannelOrder::kRGB);
  EXPECT_DOUBLE_EQ(m.preprocess.scale, 1.0 / 255);
  EXPECT_EQ(m.preprocess.mean, (std::vector<double>{0.4914, 0.4822, 0.4465}));
  EXPECT_EQ(m.preprocess.std, (std::vector<double>{0.2470, 0.2435, 0.2616}));
  EXPECT_FALSE(m.preprocess.resizes());
  EXPECT_FALSE(m.preprocess.crops());
}

TEST(ModelSource, ExplicitSettingsOverrideThePresetAndTheSidecar) {
  auto c = onnx_config();
  c.mean = {0.5, 0.5, 0.5};
  c.scale = "1/256";
  c.channel_order = "BGR";
  const auto m = resolve_model(c);
  EXPECT_EQ(m.preprocess.mean, (std::vector<double>{0.5, 0.5, 0.5}));
  EXPECT_EQ(m.preprocess.std, (std::vector<double>{0.2470, 0.2435, 0.2616}));  // the preset's
  EXPECT_DOUBLE_EQ(m.preprocess.scale, 1.0 / 256);
  EXPECT_EQ(m.preprocess.channel_order, data::ChannelOrder::kBGR);

  CampaignConfig s;  // the sidecar, one value overridden
  s.model = (kModels / "resnet20.json").string();
  const auto plain = resolve_model(s);
  s.std = {1, 2, 3};
  const auto over = resolve_model(s);
  EXPECT_EQ(over.preprocess.std, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(over.preprocess.mean, plain.preprocess.mean);
  EXPECT_EQ(over.preprocess.scale, plain.preprocess.scale);
  s.std.clear();
  s.preset = "cifar";  // a preset replaces the sidecar's recipe
  EXPECT_EQ(resolve_model(s).preprocess.mean, (std::vector<double>{0.4914, 0.4822, 0.4465}));
}

TEST(ModelSource, PresetsHoldTheirRecipes) {
  auto c = onnx_config("torchvision");
  c.crop = "32";  // resnet20 takes 32x32: the preset's 224 crop would not fit
  c.resize = "36";
  const auto t = resolve_model(c).preprocess;
  EXPECT_EQ(t.resize_shorter, 36);
  EXPECT_EQ(t.crop, (std::array<int, 2>{32, 32}));
  EXPECT_EQ(t.mean, (std::vector<double>{0.485, 0.456, 0.406}));
  EXPECT_EQ(t.std, (std::vector<double>{0.229, 0.224, 0.225}));
  EXPECT_EQ(t.resize_filter, data::ResizeFilter::kBilinear);
  c.preset = "caffe";
  const auto f = resolve_model(c).preprocess;
  EXPECT_EQ(f.channel_order, data::ChannelOrder::kBGR);
  EXPECT_EQ(f.scale, 1.0);
  EXPECT_EQ(f.mean, (std::vector<double>{103.939, 116.779, 123.68}));
  EXPECT_EQ(f.std, (std::vector<double>{1, 1, 1}));
  c.preset = "none";
  c.resize = c.crop = "";
  const auto n = resolve_model(c).preprocess;
  EXPECT_EQ(n.mean, (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(n.scale, 1.0);
  c.resize = "40x40";
  c.crop = "32x32";
  EXPECT_EQ(resolve_model(c).preprocess.resize_to, (std::array<int, 2>{40, 40}));
}

TEST(ModelSource, BadSettingsAreErrorsNamingTheFlag) {
  EXPECT_NE(error_of(onnx_config("imagenet")).find("unknown preset 'imagenet'"), std::string::npos);
  auto c = onnx_config();
  c.resize = "28";
  c.crop = "32";
  EXPECT_NE(error_of(c).find("--crop 32: crop [32, 32] is larger than the resize (shorter side 28)"),
            std::string::npos)
      << error_of(c);
  c = onnx_config("torchvision");  // 224 crop for a 32x32 model
  EXPECT_NE(
      error_of(c).find("preset 'torchvision' (crop): crop [224, 224] must equal the input size [32, 32]"),
      std::string::npos)
      << error_of(c);
  c = onnx_config();
  c.mean = {0.5, 0.5};
  EXPECT_NE(error_of(c).find("--mean: has 2 values, the model's input has 3 channel(s)"), std::string::npos)
      << error_of(c);
  c = onnx_config();
  c.channel_order = "GRAY";
  EXPECT_NE(error_of(c).find("--channel-order GRAY"), std::string::npos) << error_of(c);
  c = onnx_config("");  // no sidecar and no preprocessing at all
  EXPECT_NE(error_of(c).find("has no sidecar: give --preset"), std::string::npos) << error_of(c);
  CampaignConfig s;
  s.model = (kModels / "resnet20.json").string();
  s.crop = "30";  // a sidecar with one wrong override
  EXPECT_NE(error_of(s).find("--crop 30: crop [30, 30] must equal the input size [32, 32]"),
            std::string::npos)
      << error_of(s);
  EXPECT_THROW(parse_image_size("32x"), std::invalid_argument);
  EXPECT_THROW(parse_image_size("-3"), std::invalid_argument);
  EXPECT_THROW(parse_scale("1/0"), std::invalid_argument);
  EXPECT_THROW(parse_scale("0"), std::invalid_argument);
  EXPECT_DOUBLE_EQ(parse_scale("1/255"), 1.0 / 255);
}

TEST(ModelSource, NonOnnxFileAndMissingFileNameTheFile) {
  flipguard::testing::TempDir dir{"model-source"};
  const auto fake = dir / "fake.onnx";
  std::ofstream(fake) << "{\"name\": \"not a model\"}";
  auto c = onnx_config();
  c.model = fake.string();
  EXPECT_NE(error_of(c).find(fake.string() + ": not a valid ONNX model"), std::string::npos) << error_of(c);
  c.model = (dir / "missing.onnx").string();
  EXPECT_NE(error_of(c).find("missing.onnx: no such model file"), std::string::npos) << error_of(c);
}

// The effective preprocessing is part of a campaign's identity: changing only --mean is another campaign.
TEST(ModelSource, ChangingTheMeanChangesTheCampaignId) {
  CampaignConfig c;
  c.model = (kModels / "resnet20.json").string();
  c.data = "cifar10-lossless200";
  c.images = 20;
  c.formats = {"q2.5"};
  c.protections = {"none"};
  c.bers = {1e-3};
  const auto a = CampaignSetup::load(c).identity;
  c.mean = {0.485, 0.456, 0.407};
  const auto b = CampaignSetup::load(c).identity;
  EXPECT_NE(a.preprocessing, b.preprocessing);
  EXPECT_NE(a.id(), b.id());
  // The same recipe reached through the .onnx file and explicit settings is the same campaign.
  c.model = (kModels / "resnet20.onnx").string();
  c.mean = {0.485, 0.456, 0.406};
  c.std = {0.229, 0.224, 0.225};
  c.scale = "0.00392156862745098";
  c.channel_order = "RGB";
  const auto d = CampaignSetup::load(c).identity;
  EXPECT_EQ(d.preprocessing, a.preprocessing);
  EXPECT_EQ(d.id(), a.id());
}

namespace {

// A private copy of mnist8 (sidecar and ONNX file) whose sidecar a case edits.
struct SidecarCopy {
  flipguard::testing::TempDir dir{"claims"};
  fs::path sidecar = dir / "mnist8.json", onnx = dir / "mnist8.onnx";
  SidecarCopy() {
    fs::copy_file(kModels / "mnist8.json", sidecar);
    fs::copy_file(kModels / "mnist8.onnx", onnx);
  }
  void edit(const std::string& from, const std::string& to) const {
    std::string s = flipguard::testing::read_file(sidecar);
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    flipguard::testing::write_file(sidecar, s);
  }
  CampaignConfig config() const {
    CampaignConfig c;
    c.model = sidecar.string();
    return c;
  }
};

const std::string kMnistSha = "d5602abd80b9a999e41fbb284be442ac34e05b02937764c181607551c6e5bede";

}  // namespace

// One loader opens every model: whatever a sidecar says of its ONNX file that the file can contradict is
// checked, and the error names both files, the field, both values and how to fix it.
TEST(ModelSource, EverySidecarClaimIsCheckedAgainstTheOnnxFile) {
  struct Case {
    std::string field, from, to, file_has;
  };
  const std::string zeros(64, '0');
  const std::vector<Case> cases{
      {"sha256", kMnistSha, zeros, "mnist8.onnx has " + kMnistSha},
      {"input.name", "\"name\": \"input\"", "\"name\": \"image\"", "the input 'input'"},
      {"input.height", "\"height\": 28", "\"height\": 32",
       "input 'input' of shape [-1,1,28,28] (read as NCHW)"},
      {"input.width", "\"width\": 28", "\"width\": 27", "input 'input' of shape [-1,1,28,28]"},
      {"input.layout", "\"width\": 28", "\"width\": 28, \"layout\": \"NHWC\"", "[-1,1,28,28], which is NCHW"},
      {"output.name", "\"name\": \"logits\"", "\"name\": \"probs\"", "the output 'logits'"},
      {"output.classes", "\"classes\": 10", "\"classes\": 12", "10 values per image"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.field);
    SidecarCopy m;
    m.edit(k.from, k.to);
    for (const std::string& e : {error_of(m.config()), [&] {
                                   try {
                                     open_model(m.sidecar.string(), "");
                                   } catch (const std::exception& x) {
                                     return std::string(x.what());
                                   }
                                   return std::string("(no error)");
                                 }()}) {
      EXPECT_NE(e.find(m.sidecar.string() + ": field '" + k.field + "'"), std::string::npos) << e;
      EXPECT_NE(e.find(m.onnx.string()), std::string::npos) << e;
      EXPECT_NE(e.find(k.file_has), std::string::npos) << e;
      EXPECT_NE(e.find("flipguard model-init " + m.onnx.string()), std::string::npos) << e;
      const bool optional = k.field == "sha256" || k.field == "input.layout";
      EXPECT_NE(e.find((optional ? "remove the field '" : "correct the field '") + k.field + "'"),
                std::string::npos)
          << e;
    }
  }
}

TEST(ModelSource, ASidecarWithoutClaimsGetsTheFilesHashOnce) {
  SidecarCopy m;
  m.edit("\"sha256\": \"" + kMnistSha + "\",", "");
  const auto f = resolve_model_file(m.config());
  EXPECT_TRUE(f.spec.sha256.empty());
  EXPECT_EQ(f.sha256, kMnistSha);
  EXPECT_EQ(open_model((kModels / "mnist8.onnx").string(), "").sha256, kMnistSha);
  // The file's bytes, not the claim, make a campaign's identity.
  EXPECT_EQ(resolve_model_file(onnx_config()).sha256, open_model("resnet20", kModels.string()).sha256);
}
