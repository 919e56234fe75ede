// `--data` with a user's data through the CLI: the built-in CIFAR-10 JPEG folder given as a plain folder is
// the same data (same accuracy, same content hash), and the sidecar's reference accuracy is compared only for
// the whole built-in dataset it was measured on.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <regex>
#include <string>

#include "support/test_paths.hpp"

namespace {

struct Result {
  int status;
  std::string output;
};

Result run(const std::string& args) {
  const std::string cmd = std::string(FLIPGUARD_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) r.output += buf.data();
  r.status = pclose(p);
  return r;
}

std::string match(const std::string& out, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(pattern)) ? m[1].str() : "";
}

}  // namespace

TEST(EvalOwnData, TheBuiltInImagesAsAFolderAreTheSameData) {
  const std::string folder = (flipguard::testing::assets_dir() / "cifar10" / "test-jpeg").string();
  const auto builtin = run("eval --model resnet20 --data cifar10-jpeg --images 150");
  const auto own = run("eval --model resnet20 --data '" + folder + "' --images 150");
  ASSERT_EQ(builtin.status, 0) << builtin.output;
  ASSERT_EQ(own.status, 0) << own.output;
  EXPECT_NE(own.output.find("folder:test-jpeg, 150 images"), std::string::npos) << own.output;
  const std::string hash = match(builtin.output, "data hash ([0-9a-f]{16})");
  EXPECT_FALSE(hash.empty()) << builtin.output;
  EXPECT_EQ(match(own.output, "data hash ([0-9a-f]{16})"), hash);
  EXPECT_EQ(match(own.output, "top-1 +([0-9.]+) %"), match(builtin.output, "top-1 +([0-9.]+) %"));
  EXPECT_EQ(own.output.find("reference"), std::string::npos) << "a subset is not the reference's data";
}

TEST(EvalOwnData, TheReferenceIsComparedOnlyOnItsWholeDataset) {
  const auto whole = run("eval --model resnet20 --data cifar10-lossless200");
  ASSERT_EQ(whole.status, 0) << whole.output;
  EXPECT_NE(whole.output.find("reference  90.00 %"), std::string::npos) << whole.output;
  const auto part = run("eval --model resnet20 --data cifar10-lossless200 --images 100");
  ASSERT_EQ(part.status, 0) << part.output;
  EXPECT_EQ(part.output.find("reference"), std::string::npos) << part.output;
}

TEST(EvalOwnData, DataThatIsNeitherBuiltInNorAPathIsAOneLineError) {
  const auto r = run("eval --model resnet20 --data /no/such/folder");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("'/no/such/folder' is neither a built-in dataset"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
}
