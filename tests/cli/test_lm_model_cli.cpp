// A causal language model at the command line, before any scoring: inspect-model names its kind, sequence
// length, vocabulary and tokenizer and lists its weights; a bare .onnx with a symbolic sequence is one error
// line naming the missing sidecar field; model-init writes a causal-lm sidecar whose files are relative to
// it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"

namespace fs = std::filesystem;
using flipguard::testing::one_line_error;
using flipguard::testing::read_file;
using flipguard::testing::run_cli;
using flipguard::testing::TempDir;

namespace {

const fs::path kModels = flipguard::testing::models_dir();

}  // namespace

TEST(LmModelCli, InspectModelNamesTheKindSequenceVocabularyAndTokenizer) {
  const auto r = run_cli({"inspect-model", (kModels / "fortune-lm.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("kind causal-lm, input 'input_ids' [batch, 128] token ids, output 'logits' [batch, 128, "
                 "1024] logits; sequence length 128, vocab 1024, tokenizer " +
                 (kModels / "fortune-lm.tokenizer.json").string()),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tok.weight"), std::string::npos) << r.out;
  const auto a = run_cli({"inspect-model", (kModels / "fortune-lm.json").string(), "--site", "activations"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("[1,128,1024]"), std::string::npos) << "the logits of one sequence";
}

TEST(LmModelCli, ABareOnnxWithASymbolicSequenceNamesTheSidecarField) {
  const std::string onnx =
      (flipguard::testing::source_dir() / "trained" / "fortune-lm" / "model.onnx").string();
  EXPECT_TRUE(one_line_error(run_cli({"inspect-model", onnx}),
                             {onnx, "symbolic sequence length", "input.sequence_length"}));
}

TEST(LmModelCli, ModelInitWritesACausalLmSidecarRelativeToItsFolder) {
  TempDir dir("lm-model-init");
  const fs::path out = dir / "sub" / "lm.json";
  fs::create_directories(out.parent_path());
  const auto r = run_cli({"model-init", (kModels / "fortune-lm.json").string(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(read_file(out));
  EXPECT_EQ(j.at("kind"), "causal-lm");
  EXPECT_EQ(j.at("input").at("sequence_length"), 128);
  EXPECT_EQ(j.at("output").at("vocab"), 1024);
  EXPECT_TRUE(fs::equivalent(out.parent_path() / j.at("tokenizer").get<std::string>(),
                             kModels / "fortune-lm.tokenizer.json"));
  EXPECT_TRUE(fs::equivalent(out.parent_path() / j.at("dataset").get<std::string>(),
                             kModels / "fortune-lm.validation.npy"));
  const auto inspect = run_cli({"inspect-model", out.string()});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}
