// The sidecar schema is one table: the loader reads only its fields (a field read outside it is a logic
// error), docs/model-sidecar.md is generated from it, and what manifest_json writes reads back equal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/data_error.hpp"
#include "data/manifest/manifest.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

// Every field of the schema, set.
const char* kFull = R"({
  "name": "m", "onnx": "m.onnx", "source": "here", "notes": "none", "dataset": "cifar10-jpeg",
  "sha256": "b084f660f8aaa072e419499853080003a14a37324ae85b5ff8bd05f239efba0d",
  "input": {"name": "x", "channels": 3, "height": 32, "width": 32, "layout": "NHWC"},
  "output": {"name": "y", "classes": 1001, "label_offset": 1},
  "preprocess": {"resize_shorter": 0, "resize_to": [36, 36], "resize_filter": "bilinear-noaa", "crop": [32, 32],
                 "channel_order": "BGR", "scale": 0.5, "mean": [1, 2, 3], "std": [4, 5, 6]},
  "reference_top1": {"cifar10-jpeg": 81.5}})";

// Every field of a causal-lm's schema, set.
const char* kLmFull = R"({
  "name": "lm", "kind": "causal-lm", "onnx": "lm.onnx", "source": "here", "notes": "none",
  "sha256": "b084f660f8aaa072e419499853080003a14a37324ae85b5ff8bd05f239efba0d", "tokenizer": "lm.tokenizer.json",
  "dataset": "lm.validation.npy", "input": {"name": "input_ids", "sequence_length": 16},
  "output": {"name": "logits", "vocab": 256}, "reference_perplexity": {"tokens:lm.validation.npy": 12.5}})";

TEST(ManifestSchema, TheDocsAreGeneratedFromTheSchema) {
  const std::string docs = flipguard::testing::read_file(testing::source_dir() / "docs" / "model-sidecar.md");
  EXPECT_EQ(docs, manifest_markdown())
      << "docs/model-sidecar.md is stale: run build/flipguard model-init --schema > docs/model-sidecar.md";
  for (const auto& f : manifest_fields())
    EXPECT_NE(docs.find("`" + f.path + "`"), std::string::npos) << f.path;
}

// Parsing a sidecar that sets every field reads each of them through the schema check (a field the loader
// read outside the table would throw std::logic_error here), and every value arrives.
TEST(ManifestSchema, EveryFieldTheLoaderReadsIsInTheSchema) {
  Manifest m;
  ASSERT_NO_THROW(m = parse_manifest(kFull, "full.json"));
  EXPECT_EQ(m.input.layout, InputLayout::kNHWC);
  EXPECT_EQ(m.output.label_offset, 1);
  EXPECT_EQ(m.preprocess.resize_to, (std::array<int, 2>{36, 36}));
  EXPECT_EQ(m.preprocess.resize_filter, ResizeFilter::kBilinearNoaa);
  EXPECT_EQ(m.reference_top1.at("cifar10-jpeg"), 81.5);
  ASSERT_NO_THROW(m = parse_manifest(kLmFull, "lm.json"));
  EXPECT_EQ(m.lm.sequence_length, 16);
  EXPECT_EQ(m.reference_perplexity.at("tokens:lm.validation.npy"), 12.5);
  for (const auto& f : manifest_fields())
    if (f.path.find('<') == std::string::npos) {
      // Each documented path exists in one of the full examples (the table documents nothing a file cannot
      // hold).
      bool present = false;
      for (const char* full : {kFull, kLmFull}) {
        const auto j = nlohmann::json::parse(full);
        const auto dot = f.path.find('.');
        present = present || (dot == std::string::npos
                                  ? j.contains(f.path)
                                  : j.contains(f.path.substr(0, dot)) &&
                                        j.at(f.path.substr(0, dot)).contains(f.path.substr(dot + 1)));
      }
      EXPECT_TRUE(present) << f.path;
    }
}

TEST(ManifestSchema, WrittenSidecarsReadBackEqual) {
  Manifest m = parse_manifest(kFull, "full.json");
  const Manifest back = parse_manifest(manifest_json(m), "written.json");
  EXPECT_EQ(back.name, m.name);
  EXPECT_EQ(back.sha256, m.sha256);
  EXPECT_EQ(back.input.layout, m.input.layout);
  EXPECT_EQ(back.output.classes, m.output.classes);
  EXPECT_EQ(back.output.label_offset, m.output.label_offset);
  EXPECT_EQ(back.preprocess.resize_to, m.preprocess.resize_to);
  EXPECT_EQ(back.preprocess.crop, m.preprocess.crop);
  EXPECT_EQ(back.preprocess.scale, m.preprocess.scale);
  EXPECT_EQ(back.preprocess.mean, m.preprocess.mean);
  EXPECT_EQ(back.preprocess.std, m.preprocess.std);
  EXPECT_EQ(back.reference_top1, m.reference_top1);
  m.preprocess.scale = 1.0 / 255;  // doubles survive the text form exactly
  EXPECT_EQ(parse_manifest(manifest_json(m), "w.json").preprocess.scale, 1.0 / 255);
}

TEST(ManifestSchema, UnknownInputAndOutputKeysAreErrors) {
  auto j = nlohmann::json::parse(kFull);
  j["output"]["label_ofset"] = 1;
  try {
    parse_manifest(j.dump(), "x.json");
    FAIL() << "a misspelt output key was accepted";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "x.json: field 'output.label_ofset': unknown key");
  }
  j = nlohmann::json::parse(kFull);
  j["input"]["layout"] = "CHW";
  EXPECT_THROW(parse_manifest(j.dump(), "x.json"), DataError);
  j = nlohmann::json::parse(kFull);
  j["preprocess"]["crop"] = {40, 40};  // larger than the 36x36 resize (and the input)
  EXPECT_THROW(parse_manifest(j.dump(), "x.json"), DataError);
}

}  // namespace
}  // namespace flipguard::data
