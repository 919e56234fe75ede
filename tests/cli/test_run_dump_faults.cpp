// flipguard run --dump-faults: the activation faults of a run as JSON lines, one per stored word they
// changed, as many as the run reports, in the values' logical coordinates, the same for the same seed and
// trial; the weights site and a run without faults are refused by name.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/cli_run.hpp"

using flipguard::testing::run_cli;
using flipguard::testing::TempDir;

namespace {

std::vector<std::string> file_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST(RunDumpFaults, ListsEveryChangedWordInLogicalCoordinates) {
  TempDir dir;
  const auto run = [&](const std::string& name) {
    return run_cli({"run", "--model", "resnet20", "--site", "activations", "--format", "fp16", "--ber",
                    "2e-6", "--limit", "20", "--seed", "4", "--trial", "3", "--out",
                    (dir.path() / "x.npy").string(), "--dump-faults", (dir.path() / name).string()});
  };
  const auto r = run("a.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"((\d+) values changed)"))) << r.out;
  const auto lines = file_lines(dir.path() / "a.jsonl");
  EXPECT_EQ(lines.size(), std::stoul(m[1]));
  ASSERT_GT(lines.size(), 10u);
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    const auto index = j.at("index").get<std::vector<std::int64_t>>();
    ASSERT_EQ(index.size(), 4u) << line;  // ResNet-20's values are [n, c, h, w] up to the pooled ones
    EXPECT_GE(index[0], 0);
    EXPECT_LT(index[0], 20);
    const auto bits = j.at("bits").get<std::vector<unsigned>>();
    ASSERT_FALSE(bits.empty()) << line;
    for (unsigned b : bits) EXPECT_LT(b, 16u) << line;  // fp16 words
    EXPECT_NE(j.at("word_before").get<std::uint32_t>(), j.at("word_after").get<std::uint32_t>());
  }
  ASSERT_EQ(run("b.jsonl").exit_code, 0);
  EXPECT_EQ(file_lines(dir.path() / "b.jsonl"), lines) << "the same seed and trial listed other faults";
}

TEST(RunDumpFaults, RefusesWhatItCannotList) {
  TempDir dir;
  const auto out = (dir.path() / "x.npy").string(), dump = (dir.path() / "d.jsonl").string();
  auto r = run_cli({"run", "--model", "resnet20", "--format", "fp32", "--ber", "1e-6", "--limit", "4",
                    "--out", out, "--dump-faults", dump});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--dump-faults lists faults applied while the model runs"), std::string::npos)
      << r.err;
  r = run_cli({"run", "--model", "resnet20", "--site", "activations", "--limit", "4", "--out", out,
               "--dump-faults", dump});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--dump-faults lists a trial's faults"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dump));
}
