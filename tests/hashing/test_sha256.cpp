// SHA-256 against the FIPS 180-4 test vectors and sha256sum, across every way of splitting the input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "hashing/sha256.hpp"
#include "support/temp_files.hpp"

namespace flipguard::hashing {
namespace {

std::string sha(const std::string& s) {
  Sha256 h;
  h.update(s.data(), s.size());
  return h.hex_digest();
}

std::string sha256sum(const std::filesystem::path& file) {
  const std::string cmd = "sha256sum '" + file.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "popen failed";
  char out[65] = {};
  const std::size_t got = std::fread(out, 1, 64, p);
  pclose(p);
  return std::string(out, got);
}

TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, SplittingTheInputChangesNothing) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>(i * 37 + 11);
  const std::string whole = sha(text);
  for (size_t cut = 0; cut <= text.size(); cut += 7) {
    Sha256 h;
    h.update(text.data(), cut);
    h.update(text.data() + cut, text.size() - cut);
    EXPECT_EQ(h.hex_digest(), whole) << cut;
  }
}

TEST(Sha256, CopyHashesOnFromWhereTheOriginalWas) {
  Sha256 h;
  h.update("ab", 2);
  Sha256 copy = h;
  h.update("c", 1);
  copy.update("c", 1);
  EXPECT_EQ(copy.hex_digest(), sha("abc"));
  EXPECT_EQ(h.hex_digest(), sha("abc"));
}

TEST(Sha256, FileHashEqualsSha256sum) {
  testing::TempDir dir("sha");
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(i * 131 + (i >> 7));
  testing::write_file(dir / "f.bin", bytes);
  EXPECT_EQ(sha256_of_file(dir / "f.bin"), sha256sum(dir / "f.bin"));
  EXPECT_EQ(sha256_of_file(dir / "f.bin"), sha(bytes));
  testing::write_file(dir / "empty.bin", "");
  EXPECT_EQ(sha256_of_file(dir / "empty.bin"), sha(""));
}

TEST(Sha256, LargeFileEqualsSha256sum) {
  // Many of the file reader's 1 MiB chunks and a ragged end.
  testing::TempDir dir("sha-large");
  std::vector<char> chunk(1 << 20);
  {
    std::ofstream out(dir / "large.bin", std::ios::binary);
    for (int c = 0; c < 48; ++c) {
      for (std::size_t i = 0; i < chunk.size(); ++i)
        chunk[i] = static_cast<char>((i * 2654435761u) >> (c % 24));
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    out.write(chunk.data(), 12345);
  }
  EXPECT_EQ(sha256_of_file(dir / "large.bin"), sha256sum(dir / "large.bin"));
}

TEST(Sha256, FileErrorsNameTheFileAndTheCause) {
  testing::TempDir dir("sha-missing");
  try {
    sha256_of_file(dir / "missing.bin");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "missing.bin").string()), std::string::npos) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
  }
  // A folder opens but cannot be read.
  EXPECT_THROW(sha256_of_file(dir.path()), std::runtime_error);
}

}  // namespace
}  // namespace flipguard::hashing
