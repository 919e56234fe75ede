// A causal language model opened as every command opens a model: a sidecar of kind causal-lm checked against
// the graph (an integer input [batch, sequence], an output [batch, sequence, vocab], fixed dimensions equal
// to the sidecar's), its symbolic sequence fixed to the sidecar's length, and a bare .onnx read as a
// causal-lm from its graph (a symbolic sequence named as the missing sidecar field). Preprocessing settings
// are for images and refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "campaign/recipe/model_recipe.hpp"
#include "data/manifest/manifest.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

const fs::path kModels = flipguard::testing::models_dir();
const fs::path kTrained = flipguard::testing::source_dir() / "trained" / "fortune-lm";
// input_ids int64 [batch, 8] -> logits [batch, 8, 16] (fixtures/make_tiny_lm.py).
const fs::path kTiny =
    flipguard::testing::source_dir() / "tests" / "campaign" / "recipe" / "fixtures" / "tiny_lm_seq8.onnx";

nlohmann::json lm_sidecar(const fs::path& onnx, int sequence_length, int vocab) {
  return {{"name", "lm"},
          {"kind", "causal-lm"},
          {"onnx", onnx.string()},
          {"input", {{"name", "input_ids"}, {"sequence_length", sequence_length}}},
          {"output", {{"name", "logits"}, {"vocab", vocab}}}};
}

std::string open_error(const nlohmann::json& sidecar, const flipguard::testing::TempDir& dir) {
  const auto file = dir / "lm.json";
  flipguard::testing::write_file(file, sidecar.dump());
  try {
    open_model(file.string(), "");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string resolve_error(const CampaignConfig& c) {
  try {
    resolve_model(c);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(LmRecipe, TheSidecarOpensAndFixesTheSymbolicSequence) {
  const ModelFile f = open_model("fortune-lm", kModels.string());
  ASSERT_TRUE(f.spec.is_lm());
  EXPECT_EQ(f.spec.lm.sequence_length, 128);
  EXPECT_EQ(f.spec.lm.vocab, 1024);
  EXPECT_EQ(f.spec.tokenizer_path(), kModels / "fortune-lm.tokenizer.json");
  EXPECT_EQ(f.sha256, f.spec.sha256);
  ASSERT_EQ(f.graph.inputs.size(), 1u);
  EXPECT_TRUE(f.graph.inputs[0].integer);
  EXPECT_EQ(f.graph.inputs[0].dims, (model::Dims{-1, 128})) << "the batch stays symbolic";
  EXPECT_EQ(load_graph(f.spec).inputs[0].dims, (model::Dims{-1, 128}));
  CampaignConfig c;
  c.model = "fortune-lm";
  c.models_dir = kModels.string();
  const ModelFile r = resolve_model_file(c);
  EXPECT_TRUE(r.spec.is_lm());
  EXPECT_EQ(r.graph.inputs[0].dims, (model::Dims{-1, 128}));
}

TEST(LmRecipe, ClaimsTheGraphContradictsNameTheField) {
  flipguard::testing::TempDir dir("lm-claims");
  const fs::path onnx = kTrained / "model.onnx";
  EXPECT_EQ(open_error(lm_sidecar(onnx, 128, 1024), dir), "(no error)");
  std::string e = open_error(lm_sidecar(onnx, 128, 1000), dir);
  EXPECT_NE(e.find("lm.json: field 'output.vocab' says 1000, but " + onnx.string() +
                   " has output 'logits' of shape [-1,-1,1024]"),
            std::string::npos)
      << e;
  auto j = lm_sidecar(onnx, 128, 1024);
  j["input"]["name"] = "ids";
  e = open_error(j, dir);
  EXPECT_NE(e.find("field 'input.name' says 'ids', but " + onnx.string() + " has the input 'input_ids'"),
            std::string::npos)
      << e;
  // A fixed sequence dimension must be the sidecar's.
  e = open_error(lm_sidecar(kTiny, 16, 16), dir);
  EXPECT_NE(e.find("field 'input.sequence_length' says 16, but " + kTiny.string() +
                   " has input 'input_ids' of shape [-1,8]"),
            std::string::npos)
      << e;
  EXPECT_EQ(open_error(lm_sidecar(kTiny, 8, 16), dir), "(no error)");
  // An image model is no language model.
  j = lm_sidecar(kModels / "resnet20.onnx", 128, 10);
  j["input"]["name"] = "input";
  e = open_error(j, dir);
  EXPECT_NE(e.find("field 'kind' says \"causal-lm\" (token ids in), but"), std::string::npos) << e;
  EXPECT_NE(e.find("holding floating-point values"), std::string::npos) << e;
}

TEST(LmRecipe, ABareOnnxLanguageModelGetsItsManifestFromTheGraph) {
  CampaignConfig c;
  c.model = kTiny.string();
  const data::Manifest m = resolve_model(c);
  EXPECT_TRUE(m.is_lm());
  EXPECT_EQ(m.name, "tiny_lm_seq8");
  EXPECT_EQ(m.input.name, "input_ids");
  EXPECT_EQ(m.output.name, "logits");
  EXPECT_EQ(m.lm.sequence_length, 8);
  EXPECT_EQ(m.lm.vocab, 16);
  EXPECT_TRUE(m.lm.tokenizer.empty());
  // What model-init would write reads back.
  const data::Manifest back = data::parse_manifest(data::manifest_json(m), "written.json");
  EXPECT_TRUE(back.is_lm());
  EXPECT_EQ(back.lm.sequence_length, 8);
  EXPECT_EQ(back.lm.vocab, 16);
}

TEST(LmRecipe, ABareOnnxWithASymbolicSequenceNeedsASidecar) {
  CampaignConfig c;
  c.model = (kTrained / "model.onnx").string();
  EXPECT_EQ(resolve_error(c),
            c.model +
                ": input 'input_ids' has shape [-1,-1] with a symbolic sequence length: give a "
                "sidecar (kind causal-lm) with input.sequence_length (docs/model-sidecar.md)");
}

TEST(LmRecipe, PreprocessingSettingsAreForImages) {
  CampaignConfig c;
  c.model = kTiny.string();
  c.preset = "cifar";
  EXPECT_NE(resolve_error(c).find("--preset cifar: " + kTiny.string() + " is a causal language model"),
            std::string::npos)
      << resolve_error(c);
  c = {};
  c.model = "fortune-lm";
  c.models_dir = kModels.string();
  c.mean = {0.5};
  EXPECT_NE(resolve_error(c).find("is a causal language model, which reads token ids"), std::string::npos)
      << resolve_error(c);
}
