// Raw text to token windows: the documents' order and separators, window and stride counts, the dropped tail,
// UTF-8 errors with their byte offsets, and a hash that depends on the ids only.
#include <gtest/gtest.h>

#include "data/test_support.hpp"
#include "data/tokens/byte_tokenizer.hpp"
#include "data/tokens/text_windows.hpp"

namespace flipguard::data {
namespace {

using Ids = std::vector<std::int64_t>;
using testing::error_of;
using testing::TempDir;
using testing::write_file;

Ids iota(std::size_t n) {
  Ids v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

TEST(TextWindows, WindowAndStrideCounts) {
  // rows = (n - L) / stride + 1; the tail that fills no window is dropped.
  struct Case {
    std::size_t n, seq_len, stride, rows;
  };
  for (const Case c : {Case{10, 5, 0, 2}, Case{11, 5, 0, 2}, Case{14, 5, 0, 2}, Case{15, 5, 0, 3},
                       Case{10, 5, 1, 6}, Case{10, 5, 2, 3}, Case{10, 5, 3, 2}, Case{10, 5, 7, 1},
                       Case{4, 5, 0, 0}, Case{5, 5, 0, 1}, Case{1, 1, 0, 1}, Case{100, 1, 0, 100}}) {
    const TokenSet set = make_windows(iota(c.n), {.seq_len = c.seq_len, .stride = c.stride}, "s");
    EXPECT_EQ(set.rows, c.rows) << c.n << " " << c.seq_len << " " << c.stride;
    EXPECT_EQ(set.seq_len, c.seq_len);
    ASSERT_EQ(set.ids.size(), c.rows * c.seq_len);
    const std::size_t stride = c.stride ? c.stride : c.seq_len;
    for (std::size_t r = 0; r < set.rows; ++r)
      for (std::size_t k = 0; k < c.seq_len; ++k)
        EXPECT_EQ(set.row(r)[k], static_cast<std::int64_t>(r * stride + k));
  }
  EXPECT_NE(error_of([] { make_windows(iota(4), {.seq_len = 0}, "s"); }).find("seq_len) must be at least 1"),
            std::string::npos);
}

TEST(TextWindows, AFileOfBytes) {
  TempDir dir("windows");
  write_file(dir / "doc.txt", "abcdefghij");
  const TokenSet set = load_text_windows(dir / "doc.txt", ByteTokenizer(), {.seq_len = 4});
  EXPECT_EQ(set.rows, 2u);  // "ij" dropped
  EXPECT_EQ(set.ids, (Ids{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}));
  EXPECT_EQ(set.source, (dir / "doc.txt").string());
  EXPECT_EQ(set.content_hash, token_content_hash(set.ids, 2, 4));
  // With an end-of-text id each document is followed by it: 11 ids, the last window "ij" + 256 + nothing.
  const TokenSet eot = load_text_windows(dir / "doc.txt", ByteTokenizer(true), {.seq_len = 3, .stride = 2});
  EXPECT_EQ(eot.rows, 5u);  // starts 0, 2, 4, 6, 8 of 11
  EXPECT_EQ(Ids(eot.row(4), eot.row(4) + 3), (Ids{'i', 'j', 256}));
}

TEST(TextWindows, AFolderIsItsTxtFilesInNameOrder) {
  TempDir dir("windows");
  write_file(dir / "b.txt", "BB");
  write_file(dir / "a.txt", "AAA");
  write_file(dir / "c.TXT", "C");
  write_file(dir / "notes.md", "not a document");
  write_file(dir / "sub" / "d.txt", "not read either");
  const TokenSet set = load_text_windows(dir.path(), ByteTokenizer(true), {.seq_len = 9});
  EXPECT_EQ(set.ids, (Ids{'A', 'A', 'A', 256, 'B', 'B', 256, 'C', 256}));
  EXPECT_EQ(set.rows, 1u);
  EXPECT_EQ(set.source, dir.path().string());
  // Without an end-of-text id the documents abut.
  EXPECT_EQ(load_text_windows(dir.path(), ByteTokenizer(), {.seq_len = 6}).ids,
            (Ids{'A', 'A', 'A', 'B', 'B', 'C'}));
}

TEST(TextWindows, EqualTextsGiveEqualHashesAndOneChangedIdAnother) {
  TempDir dir("windows");
  write_file(dir / "one" / "x.txt", "the same text, twice over");
  write_file(dir / "two" / "y.txt", "the same text, twice over");
  write_file(dir / "three" / "z.txt", "the same text, twice ower");
  const ByteTokenizer bytes;
  const WindowOptions w{.seq_len = 8};
  const TokenSet one = load_text_windows(dir / "one", bytes, w),
                 two = load_text_windows(dir / "two", bytes, w);
  EXPECT_EQ(one.content_hash, two.content_hash);  // other folder and file names, same ids
  EXPECT_NE(load_text_windows(dir / "three", bytes, w).content_hash, one.content_hash);
  // The hash covers the shape: the same stream cut otherwise is another set.
  EXPECT_NE(load_text_windows(dir / "one", bytes, {.seq_len = 8, .stride = 4}).content_hash,
            one.content_hash);
  EXPECT_NE(load_text_windows(dir / "one", bytes, {.seq_len = 4}).content_hash, one.content_hash);
}

// A tokenizer that reads UTF-8 and counts its code points (only needs_utf8 matters here).
class CodePoints : public Tokenizer {
 public:
  std::vector<std::int64_t> encode(std::string_view text) const override {
    Ids ids;
    for (char c : text)
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ids.push_back(static_cast<unsigned char>(c));
    return ids;
  }
  std::string decode(const std::vector<std::int64_t>&) const override { return ""; }
  std::int64_t vocab_size() const override { return 256; }
  const std::string& name() const override { return name_; }
  std::optional<std::int64_t> end_of_text() const override { return std::nullopt; }
  bool needs_utf8() const override { return true; }

 private:
  std::string name_ = "code points";
};

TEST(TextWindows, TextThatIsNotUtf8NamesTheFileAndByteOffset) {
  TempDir dir("windows");
  write_file(dir / "a.txt", "fine \xc3\xa9 text");
  write_file(dir / "b.txt", "caf\xc3\xa9 ok\xff more");  // a byte no UTF-8 character starts with
  write_file(dir / "c.txt", "x\xe2\x82");                // cut short at the end
  write_file(dir / "d.txt", "\xc0\xaf overlong");        // an overlong '/'
  write_file(dir / "e.txt", "surrogate \xed\xa0\x80");   // U+D800
  const CodePoints utf8;
  const auto e = [&](const std::string& name) {
    return error_of([&] { load_text_windows(dir / name, utf8, {.seq_len = 1}); });
  };
  EXPECT_NE(e("b.txt").find("b.txt: not UTF-8 at byte offset 8 (the code points tokenizer reads UTF-8 text)"),
            std::string::npos)
      << e("b.txt");
  EXPECT_NE(e("c.txt").find("c.txt: not UTF-8 at byte offset 1"), std::string::npos) << e("c.txt");
  EXPECT_NE(e("d.txt").find("d.txt: not UTF-8 at byte offset 0"), std::string::npos) << e("d.txt");
  EXPECT_NE(e("e.txt").find("e.txt: not UTF-8 at byte offset 10"), std::string::npos) << e("e.txt");
  // In a folder the first bad document is named.
  const std::string folder = error_of([&] { load_text_windows(dir.path(), utf8, {.seq_len = 1}); });
  EXPECT_NE(folder.find("b.txt: not UTF-8 at byte offset 8"), std::string::npos) << folder;
  // The byte tokenizer takes any bytes.
  EXPECT_EQ(load_text_windows(dir / "b.txt", ByteTokenizer(), {.seq_len = 1}).rows, 14u);
  // A leading byte-order mark is not text for a UTF-8 tokenizer.
  write_file(dir / "bom" / "f.txt", "\xef\xbb\xbfhi");
  EXPECT_EQ(load_text_windows(dir / "bom", utf8, {.seq_len = 1}).ids, (Ids{'h', 'i'}));
  EXPECT_EQ(load_text_windows(dir / "bom", ByteTokenizer(), {.seq_len = 1}).rows, 5u);
}

TEST(TextWindows, InputErrorsNameThePath) {
  TempDir dir("windows");
  const ByteTokenizer bytes;
  const auto expect = [](const std::string& error, const std::string& part) {
    EXPECT_NE(error.find(part), std::string::npos) << error;
  };
  expect(error_of([&] { load_text_windows(dir / "absent", bytes, {.seq_len = 4}); }),
         (dir / "absent").string() + ": no such file or folder");
  write_file(dir / "empty" / "x.md", "no text files here");
  expect(error_of([&] { load_text_windows(dir / "empty", bytes, {.seq_len = 4}); }),
         (dir / "empty").string() + ": the folder holds no .txt files");
  write_file(dir / "short.txt", "abc");
  expect(error_of([&] { load_text_windows(dir / "short.txt", bytes, {.seq_len = 4}); }),
         "short.txt: the text gives 3 tokens, fewer than one window of 4");
  expect(error_of([&] { load_text_windows(dir / "short.txt", bytes, {.seq_len = 0}); }),
         "short.txt: the window length (seq_len) must be at least 1");
}

}  // namespace
}  // namespace flipguard::data
