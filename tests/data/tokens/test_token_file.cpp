// Token ids from NumPy files (.npy, .npz): int64 and int32 read alike, every bad file a one-line DataError
// naming it, ids checked against the caller's vocabulary, and a content hash that follows the ids.
#include <gtest/gtest.h>

#include <cstring>

#include "data/file_io.hpp"
#include "data/test_support.hpp"
#include "data/tokens/token_file.hpp"

namespace flipguard::data {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;
using testing::write_file;

fs::path fixture(const std::string& name) {
  return testing::tests_dir() / "fixtures" / "tokens" / name;
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

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// The ids of tests/data/fixtures/tokens (README.md there): arange(12).reshape(3, 4) * 1000 + 7.
std::vector<std::int64_t> fixture_ids() {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(i * 1000 + 7);
  return ids;
}

TEST(TokenFile, Int64AndInt32ArraysReadAlike) {
  const TokenSet a = load_token_file(fixture("ids_int64.npy"), 50257);
  EXPECT_EQ(a.rows, 3u);
  EXPECT_EQ(a.seq_len, 4u);
  EXPECT_EQ(a.ids, fixture_ids());
  EXPECT_EQ(a.row(2)[1], 9007);
  EXPECT_EQ(a.source, fixture("ids_int64.npy").string());
  EXPECT_EQ(a.content_hash.size(), 16u);
  EXPECT_EQ(a.content_hash.find_first_not_of("0123456789abcdef"), std::string::npos);

  const TokenSet b = load_token_file(fixture("ids_int32.npy"), 50257);
  EXPECT_EQ(b.ids, a.ids);
  EXPECT_EQ(b.content_hash, a.content_hash);  // the hash covers ids and shape, not the dtype or file
}

TEST(TokenFile, NarrowAndUnsignedIntegersAreWidened) {
  TempDir dir("tokens");
  write_file(dir / "u16.npy", npy("<u2", "(1, 3)", raw(std::vector<std::uint16_t>{0, 50256, 65535})));
  EXPECT_EQ(load_token_file(dir / "u16.npy", 0).ids, (std::vector<std::int64_t>{0, 50256, 65535}));
  write_file(dir / "i8.npy", npy("|i1", "(2, 1)", raw(std::vector<std::int8_t>{5, 127})));
  EXPECT_EQ(load_token_file(dir / "i8.npy", 0).ids, (std::vector<std::int64_t>{5, 127}));
}

TEST(TokenFile, NpzGivesItsFirstArrayOrTheNamedOne) {
  const TokenSet first = load_token_file(fixture("two_arrays.npz"), 50257);
  EXPECT_EQ(first.ids, (std::vector<std::int64_t>{5, 6, 7}));
  EXPECT_EQ(first.rows, 1u);
  EXPECT_EQ(first.source, fixture("two_arrays.npz").string() + ":first.npy");
  const TokenSet named = load_token_file(fixture("two_arrays.npz"), 50257, "ids");
  EXPECT_EQ(named.ids, fixture_ids());
  EXPECT_EQ(named.content_hash, load_token_file(fixture("ids_int64.npy"), 50257).content_hash);
  // np.savez_compressed (deflate) of the same ids as int32.
  EXPECT_EQ(load_token_file(fixture("ids_compressed.npz"), 50257).ids, fixture_ids());

  const std::string missing = error_of([] { load_token_file(fixture("two_arrays.npz"), 50257, "tokens"); });
  EXPECT_NE(missing.find("two_arrays.npz: no array 'tokens' (holds: first.npy, ids.npy)"), std::string::npos)
      << missing;
  const std::string named_npy = error_of([] { load_token_file(fixture("ids_int64.npy"), 50257, "ids"); });
  EXPECT_NE(named_npy.find("ids_int64.npy: a .npy holds one array"), std::string::npos) << named_npy;
}

TEST(TokenFile, IdsOutsideTheVocabularyNameTheirPlace) {
  const std::string e = error_of([] { load_token_file(fixture("ids_int64.npy"), 9000); });
  EXPECT_NE(e.find("ids_int64.npy: token id 9007 at row 2, column 1 is outside the vocabulary [0, 9000)"),
            std::string::npos)
      << e;
  EXPECT_NO_THROW(load_token_file(fixture("ids_int64.npy"), 11008));  // the largest id is 11007
  EXPECT_THROW(load_token_file(fixture("ids_int64.npy"), 11007), DataError);

  TempDir dir("tokens");
  write_file(dir / "neg.npy", npy("<i8", "(2, 2)", raw(std::vector<std::int64_t>{1, 2, 3, -1})));
  for (std::int64_t vocab : {std::int64_t{0}, std::int64_t{100}}) {  // negative ids even without a vocabulary
    const std::string neg = error_of([&] { load_token_file(dir / "neg.npy", vocab); });
    EXPECT_NE(neg.find("neg.npy: token id -1 at row 1, column 1 is outside the vocabulary"),
              std::string::npos)
        << neg;
  }
  write_file(dir / "huge.npy", npy("<u8", "(1, 2)", raw(std::vector<std::uint64_t>{1, ~0ull})));
  const std::string huge = error_of([&] { load_token_file(dir / "huge.npy", 0); });
  EXPECT_NE(huge.find("huge.npy: token id 18446744073709551615 at row 0, column 1 is too large"),
            std::string::npos)
      << huge;
}

TEST(TokenFile, BadFilesAreRefusedNamingTheFile) {
  TempDir dir("tokens");
  const auto error_for = [&](const std::string& name, const std::string& bytes) {
    write_file(dir / name, bytes);
    return error_of([&] { load_token_file(dir / name, 50257); });
  };
  const auto expect = [](const std::string& error, const std::string& part) {
    EXPECT_NE(error.find(part), std::string::npos) << error;
  };
  expect(error_for("ids.txt", "1 2 3"), "ids.txt: not a token file: expected a NumPy .npy or .npz");
  expect(error_for("text.npy", "hello"), "text.npy: not a .npy file");
  expect(error_of([] { load_token_file(fixture("ids_float.npy"), 50257); }),
         "ids_float.npy: token ids are float32, expected integers (int64 or int32");
  expect(error_for("bool.npy", npy("|b1", "(1, 2)", std::string(2, '\1'))), "bool.npy: token ids are bool");
  expect(error_for("flat.npy", npy("<i8", "(3,)", raw(std::vector<std::int64_t>{1, 2, 3}))),
         "flat.npy: token ids have shape (3,), expected 2-D [N, L]");
  expect(error_for("cube.npy", npy("<i8", "(1, 1, 2)", raw(std::vector<std::int64_t>{1, 2}))),
         "cube.npy: token ids have shape (1, 1, 2), expected 2-D");
  expect(error_for("none.npy", npy("<i8", "(0, 128)", "")), "none.npy: holds no token ids (shape (0, 128))");
  expect(error_for("short.npy", npy("<i8", "(0, 0)", "")), "short.npy: holds no token ids");
  expect(error_for("cut.npy", npy("<i8", "(2, 2)", raw(std::vector<std::int64_t>{1, 2, 3}))),
         "cut.npy: truncated: shape (2, 2) of int64 needs 32 data bytes, the file has 24");
  // np.save of a ragged list (rows of different lengths) writes an object array.
  expect(
      error_of([] { load_token_file(fixture("ragged.npy"), 50257); }),
      "ragged.npy: dtype object ('|O'): the array holds pickled Python objects, not numbers (a ragged array");
  expect(error_of([&] { load_token_file(dir / "absent.npy", 50257); }), "absent.npy");
  const auto npz = read_file_bytes(fixture("two_arrays.npz"));
  expect(error_for("cut.npz", std::string(npz.begin(), npz.begin() + 300)), "cut.npz");
}

TEST(TokenFile, HashFollowsIdsAndShape) {
  std::vector<std::int64_t> ids = fixture_ids();
  const std::string h = token_content_hash(ids, 3, 4);
  EXPECT_EQ(token_content_hash(ids, 3, 4), h);
  EXPECT_NE(token_content_hash(ids, 4, 3), h);  // same ids, other shape
  EXPECT_NE(token_content_hash(ids, 2, 6), h);
  for (std::size_t i : {std::size_t{0}, std::size_t{5}, std::size_t{11}}) {
    auto changed = ids;
    changed[i] += 1;
    EXPECT_NE(token_content_hash(changed, 3, 4), h) << "id " << i;
    changed[i] = ids[i] ^ (std::int64_t{1} << 40);  // a high bit
    EXPECT_NE(token_content_hash(changed, 3, 4), h) << "id " << i;
  }
  // Pinned (computed apart, in Python, from the formula): the hash goes into records, so it must not change
  // between versions or machines.
  EXPECT_EQ(token_content_hash({1, 2, 3}, 1, 3), "e573a2daa95a2441");
  EXPECT_EQ(token_content_hash({}, 0, 0), "a31e272015f12c43");
}

}  // namespace
}  // namespace flipguard::data
