// The scoring pass over token sequences, on the language model trained here (trained/fortune-lm/): the
// committed validation batch's mean next-token NLL as PyTorch computed it (model.json), the pass compared
// with its own logits (no token SDC, no KL), and the data refused by a model it does not fit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/loading/token_sequences.hpp"
#include "data/tokens/token_file.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

using namespace flipguard;

namespace {

const std::filesystem::path kLm = flipguard::testing::source_dir() / "trained" / "fortune-lm";

engine::Executor lm_executor(std::int64_t length, int batch) {
  auto graph = model::load_onnx((kLm / "model.onnx").string());
  graph.inputs.at(0).dims = {-1, length};  // the sequence fixed, the batch left to the executor
  engine::ExecutorOptions opt;
  opt.batch = batch;
  opt.threads = 1;
  return engine::Executor(std::move(graph), opt);
}

}  // namespace

TEST(LmEvaluation, MeanNllOfTheValidationBatchIsPyTorchs) {
  std::ifstream f(kLm / "model.json");
  const auto sidecar = nlohmann::json::parse(f);
  const double expected = sidecar["test_batch"]["mean_nll"].get<double>();
  const auto tokens = data::load_token_file(kLm / "val_batch.ids.npy", 1024);
  // Rows of the model's length: the last position of each has no target (127 a row, as PyTorch scored).
  const auto set = data::token_sequences(tokens, tokens.seq_len);
  ASSERT_TRUE(set.is_tokens());
  auto ex = lm_executor(static_cast<std::int64_t>(tokens.seq_len), 3);  // batches of 3: a partial last one
  std::vector<float> logits, kept;
  const auto e = evaluation::evaluate_set(ex, set, logits, {}, {}, {.clean = {}, .keep = &kept});
  EXPECT_EQ(e.counts.images, static_cast<std::int64_t>(tokens.rows));
  EXPECT_EQ(e.tokens.positions, static_cast<std::int64_t>(tokens.rows * (tokens.seq_len - 1)));
  EXPECT_NEAR(e.tokens.mean_nll(), expected, 1e-5 * expected);
  EXPECT_NEAR(e.tokens.perplexity(), std::exp(expected), 1e-4 * std::exp(expected));
  EXPECT_GT(e.tokens.top1, 0);
  EXPECT_EQ(e.tokens.non_finite, 0);

  // Against its own logits: nothing changed.
  const auto again = evaluation::evaluate_set(ex, set, logits, {}, {}, {.clean = kept, .keep = nullptr});
  EXPECT_EQ(again.tokens.sdc, 0);
  EXPECT_EQ(again.tokens.kl_sum, 0.0);
  EXPECT_EQ(again.sdc.max_abs_error, 0.0);
  EXPECT_EQ(again.sdc.sdc1, 0);  // image-level SDC is not a language model's measure
}

TEST(LmEvaluation, DataThatDoNotFitTheModelAreRefusedNamingIt) {
  const auto tokens = data::load_token_file(kLm / "val_batch.ids.npy", 1024);
  const auto set = data::token_sequences(tokens, tokens.seq_len);
  auto shorter = lm_executor(static_cast<std::int64_t>(tokens.seq_len) / 2, 2);
  std::vector<float> logits;
  try {
    (void)evaluation::evaluate_set(shorter, set, logits);
    FAIL() << "sequences of another length were scored";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model.onnx"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("token ids"), std::string::npos) << e.what();
  }
  // Token rows of neither the model's length nor one more are refused when read as sequences.
  EXPECT_THROW((void)data::token_sequences(tokens, tokens.seq_len - 2), std::runtime_error);
}
