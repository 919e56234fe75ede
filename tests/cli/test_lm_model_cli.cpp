// A causal language model at the command line, before any scoring: inspect-model names its kind, sequence
// length, vocabulary and tokenizer and lists its weights; a bare .onnx with a symbolic sequence is one error
// line naming the missing sidecar field; model-init writes a causal-lm sidecar whose files are relative to
// it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

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

// eval reproduces PyTorch's validation perplexity (the sidecar's reference) from the committed windows.
TEST(LmModelCli, EvalGivesPyTorchsValidationPerplexity) {
  const auto r = run_cli({"eval", "--model", (kModels / "fortune-lm.json").string(), "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("451 sequences of 128 tokens, 57728 positions scored"), std::string::npos) << r.out;
  const auto at = r.out.find("perplexity ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const double ppl = std::stod(r.out.substr(at + 11));
  EXPECT_NEAR(ppl, 45.6876, 1e-3) << r.out;  // PyTorch: 45.6876 (trained/fortune-lm/model.json)
  EXPECT_NE(r.out.find("reference  perplexity 45.6876 (PyTorch)"), std::string::npos) << r.out;
}

// run's logits for a trial are [sequences, length, vocab], and its perplexity the campaign trial's.
TEST(LmModelCli, RunWritesSequenceLogitsAndScoresACampaignTrial) {
  TempDir dir("lm-run");
  const std::string model = (kModels / "fortune-lm.json").string();
  const auto c =
      run_cli({"campaign", "--model", model, "--formats", "fp16", "--protections", "none", "--bers", "1e-5",
               "--trials", "2", "--images", "3", "--threads", "1", "--results", (dir / "r.jsonl").string()});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  double nll = -1, positions = 0;
  std::istringstream lines(read_file(dir / "r.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.at("ber") == 1e-5 && j.at("trial") == 1) {
      nll = j.at("lm").at("nll_sum").get<double>();
      positions = j.at("lm").at("positions").get<double>();
    }
  }
  ASSERT_GT(positions, 0);
  const auto r =
      run_cli({"run", "--model", model, "--format", "fp16", "--protection", "none", "--ber", "1e-5",
               "--trial", "1", "--images", "3", "--threads", "1", "--out", (dir / "o.npy").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("float32 [3, 128, 1024]"), std::string::npos) << r.out;
  char expected[64];
  std::snprintf(expected, sizeof expected, "perplexity %.2f over %.0f positions", std::exp(nll / positions),
                positions);
  EXPECT_NE(r.out.find(expected), std::string::npos) << "expected '" << expected << "' in\n" << r.out;
}
