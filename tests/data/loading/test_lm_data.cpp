// A causal language model's data through load_data: the default data of models/fortune-lm.json (the 451
// validation windows its PyTorch perplexity was measured on), a token file given by path, text cut into
// windows with the sidecar's tokenizer, subsets, and the errors that name the file.
#include <gtest/gtest.h>

#include <cstring>

#include "data/codecs/npy_array.hpp"
#include "data/file_io.hpp"
#include "data/loading/data_source.hpp"
#include "data/manifest/manifest.hpp"
#include "data/test_support.hpp"
#include "data/tokens/bpe_tokenizer.hpp"

namespace flipguard::data {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;
using testing::write_file;

const fs::path kSidecar = flipguard::testing::models_dir() / "fortune-lm.json";

Manifest fortune() {
  return load_manifest(kSidecar);
}

LoadedData load(const std::string& data, const Manifest& m = fortune(), Subset subset = {}) {
  DataRequest r;
  r.data = data;
  r.subset = subset;
  return load_data(r, m);
}

// A .npy file as numpy writes it: `descr` and `shape` in the header, then `data` as it is.
std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += '\x01';
  file += '\0';
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  return file + header + data;
}

std::string int64_rows(std::size_t rows, std::size_t cols, std::int64_t bad_at = -1, std::int64_t bad = 0) {
  std::vector<std::int64_t> v(rows * cols);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>((i * 7) % 1000);
  if (bad_at >= 0) v[static_cast<std::size_t>(bad_at)] = bad;
  return npy("<i8", "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")",
             std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(std::int64_t)));
}

// trained/fortune-lm/validation.npy (uint16 [451, 129]) as int64.
std::vector<std::int64_t> committed_windows(std::size_t& rows, std::size_t& cols) {
  const auto path = testing::source_dir() / "trained" / "fortune-lm" / "validation.npy";
  const NpyArray a = parse_npy(read_file_bytes(path), path.string());
  EXPECT_EQ(a.dtype(), "uint16");
  rows = static_cast<std::size_t>(a.shape.at(0));
  cols = static_cast<std::size_t>(a.shape.at(1));
  std::vector<std::uint16_t> raw(rows * cols);
  std::memcpy(raw.data(), a.data.data(), raw.size() * sizeof(std::uint16_t));
  return {raw.begin(), raw.end()};
}

// Several fortune-like lines, long enough for a few windows of 129 ids.
std::string some_text(int lines, const std::string& tag) {
  std::string t;
  for (int i = 0; i < lines; ++i)
    t += "The " + tag + " fortune number " + std::to_string(i) + ": a penny saved is a penny earned.\n";
  return t;
}

TEST(LmData, TheDefaultDataIsTheCommittedValidationWindows) {
  const Manifest m = fortune();
  ASSERT_TRUE(m.is_lm());
  EXPECT_EQ(m.dataset, "fortune-lm.validation.npy");
  const LoadedData d = load("", m);
  EXPECT_EQ(d.name, "tokens:fortune-lm.validation.npy");
  EXPECT_FALSE(d.builtin);
  EXPECT_TRUE(d.complete);
  const PreprocessedSet& s = d.images;
  ASSERT_TRUE(s.is_tokens());
  EXPECT_EQ(s.size(), 451u);
  EXPECT_EQ(s.seq_len, 128u);
  EXPECT_EQ(s.tokens.size(), 451u * 128);
  ASSERT_EQ(s.next.size(), 451u * 128);
  for (std::int64_t t : s.next) ASSERT_GE(t, 0) << "every position has a target";
  std::size_t rows = 0, cols = 0;
  const auto ref = committed_windows(rows, cols);
  ASSERT_EQ(rows, 451u);
  ASSERT_EQ(cols, 129u);
  for (std::size_t t = 0; t < 128; ++t) {
    EXPECT_EQ(s.tokens[t], ref[t]) << t;
    EXPECT_EQ(s.next[t], ref[t + 1]) << t;
    EXPECT_EQ(s.tokens[450 * 128 + t], ref[450 * 129 + t]) << t;
  }
  // The windows overlap by one id (stride 128): a row's target at its last position is the next row's first
  // id.
  EXPECT_EQ(s.next[127], s.tokens[128]);
  // The reference perplexity is keyed by the data's name.
  EXPECT_DOUBLE_EQ(m.reference_perplexity.at(d.name), 45.6876);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("451 sequences of 128 tokens + 1 target from "), std::string::npos) << d.notes[0];
  // The same file by path reads the same sequences.
  const LoadedData by_path = load(m.dataset_path().string(), m);
  EXPECT_EQ(by_path.name, d.name);
  EXPECT_EQ(by_path.images.tokens, s.tokens);
  EXPECT_EQ(by_path.images.content, s.content);
}

TEST(LmData, ASubsetTakesTheFirstRows) {
  Subset first10;
  first10.limit = 10;
  const LoadedData all = load("");
  const LoadedData d = load("", fortune(), first10);
  EXPECT_FALSE(d.complete);
  ASSERT_EQ(d.images.size(), 10u);
  EXPECT_EQ(d.images.indices, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(std::equal(d.images.tokens.begin(), d.images.tokens.end(), all.images.tokens.begin()));
  EXPECT_NE(d.notes.at(0).find("(10 of its 451 rows)"), std::string::npos) << d.notes[0];
  Subset after;
  after.limit = 3;
  after.skip = 10;
  const LoadedData next = load("", fortune(), after);
  EXPECT_EQ(next.images.indices, (std::vector<std::size_t>{10, 11, 12}));
  EXPECT_EQ(next.images.content.at(0), all.images.content.at(10));
}

TEST(LmData, TextIsCutIntoWindowsOfSequenceLengthPlusOneEverySequenceLength) {
  const Manifest m = fortune();
  TempDir dir;
  const std::string text = some_text(60, "first");
  write_file(dir / "a.txt", text);
  const BpeTokenizer tok(m.tokenizer_path());
  std::vector<std::int64_t> stream = tok.encode(text);
  ASSERT_TRUE(tok.end_of_text().has_value());
  stream.push_back(*tok.end_of_text());
  ASSERT_GT(stream.size(), 3u * 129);
  const LoadedData d = load((dir / "a.txt").string(), m);
  EXPECT_EQ(d.name, "text:a.txt");
  EXPECT_TRUE(d.complete);
  const std::size_t windows = (stream.size() - 1) / 128;
  ASSERT_EQ(d.images.size(), windows);
  for (std::size_t w = 0; w < windows; ++w)
    for (std::size_t t = 0; t < 128; ++t) {
      ASSERT_EQ(d.images.tokens[w * 128 + t], stream[w * 128 + t]);
      ASSERT_EQ(d.images.next[w * 128 + t], stream[w * 128 + t + 1]);
    }
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(
      d.notes[0].find(std::to_string(windows) + " sequences of 128 tokens + 1 target (stride 128) from "),
      std::string::npos)
      << d.notes[0];

  // A folder: its .txt files in name order, each followed by the end-of-text id.
  const std::string second = some_text(30, "second");
  write_file(dir / "folder" / "2.txt", second);
  write_file(dir / "folder" / "1.txt", text);
  write_file(dir / "folder" / "skip.md", "not read");
  std::vector<std::int64_t> both = stream;
  for (std::int64_t id : tok.encode(second)) both.push_back(id);
  both.push_back(*tok.end_of_text());
  const LoadedData f = load((dir / "folder").string(), m);
  EXPECT_EQ(f.name, "text:folder");
  ASSERT_EQ(f.images.size(), (both.size() - 1) / 128);
  const std::size_t last = f.images.size() - 1;
  for (std::size_t t = 0; t < 128; ++t) ASSERT_EQ(f.images.next[last * 128 + t], both[last * 128 + t + 1]);
}

TEST(LmData, TextNeedsTheSidecarsTokenizer) {
  Manifest m = fortune();
  m.lm.tokenizer.clear();
  TempDir dir;
  write_file(dir / "a.txt", some_text(60, "first"));
  const std::string e = error_of([&] { load((dir / "a.txt").string(), m); });
  EXPECT_NE(e.find((dir / "a.txt").string() + ": text needs a tokenizer, and " + kSidecar.string() +
                   " names none: add its field 'tokenizer'"),
            std::string::npos)
      << e;
  // A token file needs none.
  EXPECT_EQ(load("", m).images.size(), 451u);
  // A tokenizer with more ids than the model has logits.
  m = fortune();
  m.lm.vocab = 1000;
  EXPECT_NE(error_of([&] {
              load((dir / "a.txt").string(), m);
            }).find("the tokenizer has 1024 tokens, more than the model's vocabulary of 1000"),
            std::string::npos);
}

TEST(LmData, BadTokenFilesNameTheFile) {
  TempDir dir;
  const auto ragged = testing::tests_dir() / "fixtures" / "tokens" / "ragged.npy";
  EXPECT_NE(error_of([&] { load(ragged.string()); }).find(ragged.string() + ": "), std::string::npos);

  write_file(dir / "vocab.npy", int64_rows(3, 129, 2 * 129 + 5, 1024));
  const std::string e = error_of([&] { load((dir / "vocab.npy").string()); });
  EXPECT_NE(
      e.find((dir / "vocab.npy").string() + ": token id 1024 at row 2, column 5 is outside the vocabulary "
                                            "[0, 1024)"),
      std::string::npos)
      << e;

  write_file(dir / "short.npy", int64_rows(3, 100));
  const std::string l = error_of([&] { load((dir / "short.npy").string()); });
  EXPECT_NE(l.find((dir / "short.npy").string() + ": rows of 100 token ids, but the model reads 128"),
            std::string::npos)
      << l;
}

TEST(LmData, RowsOfSequenceLengthHaveNoTargetAtTheirLastPosition) {
  TempDir dir;
  write_file(dir / "exact.npy", int64_rows(3, 128));
  const LoadedData d = load((dir / "exact.npy").string());
  EXPECT_EQ(d.name, "tokens:exact.npy");
  ASSERT_EQ(d.images.size(), 3u);
  EXPECT_EQ(d.images.next[127], -1);
  EXPECT_EQ(d.images.next[126], d.images.tokens[127]);
  EXPECT_NE(d.notes.at(0).find("each row's last position predicts nothing"), std::string::npos) << d.notes[0];
}

TEST(LmData, ImageOptionsAndOtherFilesAreRefused) {
  DataRequest r;
  r.classes_file = "classes.txt";
  EXPECT_NE(
      error_of([&] { load_data(r, fortune()); }).find("--classes classes.txt: is for a folder of class"),
      std::string::npos);
  r = {};
  r.labels_file = "labels.npy";
  EXPECT_NE(
      error_of([&] { load_data(r, fortune()); }).find("--labels labels.npy: is for a .npy of image inputs"),
      std::string::npos);
  TempDir dir;
  write_file(dir / "ids.csv", "1,2,3\n");
  EXPECT_NE(error_of([&] {
              load((dir / "ids.csv").string());
            }).find("ids.csv: fortune-lm is a causal language model: its data are a token file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load("cifar10-jpeg"); }).find("data 'cifar10-jpeg' for fortune-lm"),
            std::string::npos);
  Manifest none = fortune();
  none.dataset.clear();
  EXPECT_EQ(error_of([&] { load("", none); }), "fortune-lm declares no default dataset: give --data");
}

}  // namespace
}  // namespace flipguard::data
