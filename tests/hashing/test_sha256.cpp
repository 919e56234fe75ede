// SHA-256 against the FIPS 180-4 test vectors and sha256sum, across every way of splitting the input.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "hashing/sha256.hpp"
#include "support/temp_files.hpp"

namespace flipguard::hashing {
namespace {

std::string sha(const std::string& s) {
  Sha256 h;
  h.update(s.data(), s.size());
  return h.hex_digest();
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

TEST(Sha256, FileHashEqualsSha256sum) {
  testing::TempDir dir("sha");
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(i * 131 + (i >> 7));
  testing::write_file(dir / "f.bin", bytes);
  const std::string cmd = "sha256sum '" + (dir / "f.bin").string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char out[65] = {};
  ASSERT_EQ(std::fread(out, 1, 64, p), 64u);
  pclose(p);
  EXPECT_EQ(sha256_of_file(dir / "f.bin"), std::string(out, 64));
  EXPECT_EQ(sha256_of_file(dir / "f.bin"), sha(bytes));
  EXPECT_THROW(sha256_of_file(dir / "missing.bin"), std::runtime_error);
}

}  // namespace
}  // namespace flipguard::hashing
