// A causal language model's sidecar (kind causal-lm): token input and vocabulary instead of image fields, its
// tokenizer and default data relative to the sidecar's folder, reference perplexities; image fields given to
// it (and language-model fields given to a classifier) refused naming the file and the field; what
// manifest_json writes reads back equal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/data_error.hpp"
#include "data/manifest/manifest.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

nlohmann::json lm() {
  return nlohmann::json::parse(R"({
    "name": "tiny-lm", "kind": "causal-lm", "onnx": "tiny.onnx", "tokenizer": "tiny.tokenizer.json",
    "dataset": "data/val.npy",
    "input": {"name": "input_ids", "sequence_length": 128},
    "output": {"name": "logits", "vocab": 1024},
    "reference_perplexity": {"tokens:val.npy": 45.6876}})");
}

std::string error_of(const nlohmann::json& j) {
  try {
    parse_manifest(j.dump(), "models/x.json");
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LmManifest, ParsesTheTokenInputVocabularyTokenizerAndReferences) {
  const Manifest m = parse_manifest(lm().dump(), "x.json");
  EXPECT_TRUE(m.is_lm());
  EXPECT_EQ(m.kind, ModelKind::kCausalLm);
  EXPECT_EQ(m.input.name, "input_ids");
  EXPECT_EQ(m.lm.sequence_length, 128);
  EXPECT_EQ(m.output.name, "logits");
  EXPECT_EQ(m.lm.vocab, 1024);
  EXPECT_EQ(m.lm.tokenizer, "tiny.tokenizer.json");
  EXPECT_EQ(m.dataset, "data/val.npy");
  EXPECT_DOUBLE_EQ(m.reference_perplexity.at("tokens:val.npy"), 45.6876);
  EXPECT_TRUE(m.reference_top1.empty());
  // No image fields: the image specs keep their empty defaults.
  EXPECT_EQ(m.input.channels, 0);
  EXPECT_EQ(m.output.classes, 0);
  EXPECT_TRUE(m.preprocess.mean.empty());
}

TEST(LmManifest, KindDefaultsToClassifierAndNamesBothKinds) {
  EXPECT_STREQ(to_string(ModelKind::kClassifier), "classifier");
  EXPECT_STREQ(to_string(ModelKind::kCausalLm), "causal-lm");
  const Manifest c = load_manifest(testing::sidecar("resnet50.json"));
  EXPECT_EQ(c.kind, ModelKind::kClassifier);
  EXPECT_FALSE(c.is_lm());
  EXPECT_TRUE(c.tokenizer_path().empty());
  auto j = lm();
  j["kind"] = "llm";
  EXPECT_EQ(error_of(j),
            "models/x.json: field 'kind': expected \"classifier\" or \"causal-lm\", got \"llm\"");
}

TEST(LmManifest, TokenizerAndDatasetAreRelativeToTheSidecarsFolder) {
  testing::TempDir dir;
  const auto file = dir.path() / "sub" / "tiny.json";
  std::filesystem::create_directories(file.parent_path());
  testing::write_file(file, lm().dump());
  const Manifest m = load_manifest(file);
  EXPECT_EQ(m.tokenizer_path(), dir.path() / "sub" / "tiny.tokenizer.json");
  EXPECT_EQ(m.dataset_path(), dir.path() / "sub" / "data" / "val.npy");
  EXPECT_EQ(m.onnx_path(), dir.path() / "sub" / "tiny.onnx");
  auto j = lm();
  j.erase("tokenizer");
  j.erase("dataset");
  testing::write_file(file, j.dump());
  EXPECT_TRUE(load_manifest(file).tokenizer_path().empty());
  EXPECT_TRUE(load_manifest(file).dataset_path().empty());
}

TEST(LmManifest, WrittenSidecarsReadBackEqual) {
  const Manifest m = parse_manifest(lm().dump(), "x.json");
  const std::string text = manifest_json(m);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j.at("kind"), "causal-lm");
  EXPECT_FALSE(j.contains("preprocess"));
  EXPECT_FALSE(j.at("input").contains("channels"));
  const Manifest back = parse_manifest(text, "written.json");
  EXPECT_EQ(back.kind, m.kind);
  EXPECT_EQ(back.name, m.name);
  EXPECT_EQ(back.onnx, m.onnx);
  EXPECT_EQ(back.input.name, m.input.name);
  EXPECT_EQ(back.output.name, m.output.name);
  EXPECT_EQ(back.lm.sequence_length, m.lm.sequence_length);
  EXPECT_EQ(back.lm.vocab, m.lm.vocab);
  EXPECT_EQ(back.lm.tokenizer, m.lm.tokenizer);
  EXPECT_EQ(back.dataset, m.dataset);
  EXPECT_EQ(back.reference_perplexity, m.reference_perplexity);
  // A classifier's sidecar is written as before: no "kind".
  const Manifest c = load_manifest(testing::sidecar("resnet50.json"));
  EXPECT_FALSE(nlohmann::json::parse(manifest_json(c)).contains("kind"));
}

TEST(LmManifest, ImageFieldsAreRefusedNamingTheField) {
  auto j = lm();
  j["preprocess"] = {{"channel_order", "RGB"}, {"mean", {0, 0, 0}}, {"std", {1, 1, 1}}};
  EXPECT_EQ(
      error_of(j),
      "models/x.json: field 'preprocess': is not a field of a causal-lm sidecar; remove it (a causal-lm "
      "reads token ids, not images)");
  j = lm();
  j["reference_top1"] = {{"tokens:val.npy", 50.0}};
  EXPECT_NE(error_of(j).find("field 'reference_top1': is not a field of a causal-lm sidecar"),
            std::string::npos);
  j = lm();
  j["input"]["channels"] = 3;
  EXPECT_NE(error_of(j).find("field 'input.channels': is not a field of a causal-lm sidecar"),
            std::string::npos);
  j = lm();
  j["output"]["classes"] = 1024;
  EXPECT_NE(error_of(j).find("field 'output.classes': is not a field of a causal-lm sidecar"),
            std::string::npos);
}

TEST(LmManifest, LanguageModelFieldsAreRefusedInAClassifier) {
  auto j = nlohmann::json::parse(testing::read_bytes(testing::sidecar("resnet50.json")));
  j["tokenizer"] = "t.json";
  EXPECT_EQ(
      error_of(j),
      "models/x.json: field 'tokenizer': is not a field of a classifier sidecar; remove it, or set \"kind\": "
      "\"causal-lm\" for a language model");
  j = nlohmann::json::parse(testing::read_bytes(testing::sidecar("resnet50.json")));
  j["input"]["sequence_length"] = 8;
  EXPECT_NE(error_of(j).find("field 'input.sequence_length': is not a field of a classifier sidecar"),
            std::string::npos);
}

TEST(LmManifest, MissingAndOutOfRangeFieldsNameTheFileAndTheField) {
  auto j = lm();
  j["input"].erase("sequence_length");
  EXPECT_EQ(error_of(j), "models/x.json: field 'input.sequence_length': missing (required integer)");
  j = lm();
  j["input"]["sequence_length"] = 0;
  EXPECT_EQ(error_of(j), "models/x.json: field 'input.sequence_length': value 0 out of range [1, 16777216]");
  j = lm();
  j["output"]["vocab"] = 1;
  EXPECT_EQ(error_of(j), "models/x.json: field 'output.vocab': value 1 out of range [2, 16777216]");
  j = lm();
  j["output"].erase("vocab");
  EXPECT_EQ(error_of(j), "models/x.json: field 'output.vocab': missing (required integer)");
  j = lm();
  j["output"]["vocab"] = "1024";
  EXPECT_EQ(error_of(j), "models/x.json: field 'output.vocab': expected an integer, got \"1024\"");
  j = lm();
  j["reference_perplexity"]["tokens:val.npy"] = 0;
  EXPECT_EQ(error_of(j),
            "models/x.json: field 'reference_perplexity.tokens:val.npy': expected a perplexity > 0");
  j = lm();
  j["tokenizer"] = 3;
  EXPECT_EQ(error_of(j), "models/x.json: field 'tokenizer': expected a string, got 3");
}

TEST(LmManifest, UnknownKeysStayErrors) {
  auto j = lm();
  j["vocab"] = 1024;
  EXPECT_EQ(error_of(j), "models/x.json: field 'vocab': unknown key");
  j = lm();
  j["input"]["seq_len"] = 128;
  EXPECT_EQ(error_of(j), "models/x.json: field 'input.seq_len': unknown key");
  j = lm();
  j["output"]["vocab_size"] = 1024;
  EXPECT_EQ(error_of(j), "models/x.json: field 'output.vocab_size': unknown key");
}

}  // namespace
}  // namespace flipguard::data
