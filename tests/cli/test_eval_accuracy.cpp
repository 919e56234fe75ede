// `flipguard eval` end to end on the real assets: the clean accuracies must reproduce the independent
// reference numbers of MANIFEST.md (within 0.5 points without resizing, 1.0 for ResNet-50 and the resized
// MobileNet), and bad arguments must fail with a message and a non-zero exit code.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <regex>
#include <string>

#include "support/temp_files.hpp"

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

double top1(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("top-1 +([0-9.]+) %"))) return -1;
  return std::stod(m[1]);
}

struct Case {
  const char* name;
  const char* args;
  double reference, tolerance;
  long images;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

class EvalAccuracy : public ::testing::TestWithParam<Case> {};

TEST_P(EvalAccuracy, ReproducesTheIndependentReference) {
  const Case c = GetParam();
  const auto r = run(std::string("eval ") + c.args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(", " + std::to_string(c.images) + " images"), std::string::npos) << r.output;
  EXPECT_NEAR(top1(r.output), c.reference, c.tolerance) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Assets, EvalAccuracy,
    ::testing::Values(Case{"resnet50", "--model resnet50", 80.5, 1.0, 1300},
                      Case{"squeezenet11", "--model squeezenet11", 72.8, 0.5, 1300},
                      Case{"mobilenet_v1_025", "--model mobilenet_v1_025", 54.6, 1.0, 1300},
                      Case{"resnet20_lossless", "--model resnet20", 90.0, 0.5, 200},
                      Case{"resnet56_lossless", "--model resnet56", 91.0, 0.5, 200},
                      Case{"resnet20_jpeg", "--model resnet20 --data cifar10-jpeg", 81.0, 0.5, 10000},
                      Case{"resnet56_jpeg", "--model resnet56 --data cifar10-jpeg", 83.2, 0.5, 10000},
                      Case{"mnist8", "--model mnist8", 97.9, 0.5, 10000}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EvalErrors, BadArgumentsFailWithAMessage) {
  auto r = run("eval --model no_such_model");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("model 'no_such_model' not found"), std::string::npos) << r.output;
  r = run("eval --model resnet20 --data no_such_data");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("data 'no_such_data' is neither a built-in dataset"), std::string::npos)
      << r.output;
  r = run("eval --model resnet20 --batch 0");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--batch expects an integer"), std::string::npos) << r.output;
  r = run("eval --model resnet20 --data imagenet-val1300");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("too few for dataset"), std::string::npos) << r.output;
  r = run("frobnicate");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("unknown command 'frobnicate'"), std::string::npos) << r.output;
}

TEST(EvalLimit, StratifiedSubsetGivesTheRequestedCount) {
  const auto r = run("eval --model resnet20 --data cifar10-jpeg --limit 100 --batch 7");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(", 100 images"), std::string::npos) << r.output;
  // 10 per class from a class-ordered dataset: a model that is right ~81% of the time cannot score 100 or 0.
  EXPECT_GT(top1(r.output), 50.0) << r.output;
  EXPECT_LT(top1(r.output), 100.0) << r.output;
}

}  // namespace

namespace {

TEST(CampaignCommand, RunsResumesAndWritesTheReport) {
  const std::string dir = flipguard::testing::scratch_path("cli_campaign").string();
  const std::string results = dir + "/study.jsonl";
  const std::string args =
      "campaign --formats q2.5 --protections none,scale --bers 1e-3 --trials 2 --images 40 --results " +
      results;
  auto r = run(args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("6 trials run, 0 already in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("q2.5     scale"), std::string::npos) << r.output;
  for (const char* f : {"/study-report/summary.md", "/study-report/summary.csv", "/study-report/report.html",
                        "/study-report/top1_vs_ber_q2.5.svg"})
    EXPECT_TRUE(std::filesystem::exists(dir + f)) << f;
  r = run(args);  // everything is done: nothing runs again
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("0 trials run, 6 already in"), std::string::npos) << r.output;
  r = run("campaign --bers 2 --results " + results);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("not a rate in [0, 1]"), std::string::npos) << r.output;
  // The report command alone, with the LaTeX tables on request.
  r = run("report " + results + " --latex --out " + dir + "/again");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* f : {"/again/summary.tex", "/again/top5_vs_ber_q2.5.svg", "/again/trials_top1_q2.5.svg"})
    EXPECT_TRUE(std::filesystem::exists(dir + f)) << f;
  std::filesystem::remove_all(dir);
}

// Adaptive cells show a likely total ("~N", projected from the spread so far) and the most they may run; once
// every cell has stopped the total is exact and equals the trials run.
TEST(CampaignCommand, AdaptiveProgressShowsALikelyTotalAndTheMaximum) {
  const std::string results = flipguard::testing::scratch_path("cli_adaptive.jsonl").string();
  const auto r = run(
      "campaign --formats q2.5 --protections none --bers 1e-3 --ci-target 5 --min-trials 8 --max-trials 64 "
      "--wave 8 --images 200 --images-per-trial 16 --results " +
      results);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(trial [0-9]+/~[0-9]+ \(at most 65\): .* ETA ~)")))
      << r.output;
  std::smatch last;
  ASSERT_TRUE(std::regex_search(r.output, last,
                                std::regex(R"(target reached after [^\n]*\ntrial ([0-9]+)/([0-9]+): )")))
      << r.output;
  EXPECT_EQ(last[1], last[2]) << "the final line's total is the trials run";
  std::smatch summary;
  ASSERT_TRUE(std::regex_search(r.output, summary, std::regex(R"(([0-9]+) trials run, 0 already in)")));
  EXPECT_EQ(summary[1], last[1]);
  std::filesystem::remove(results);
  std::filesystem::remove_all(results.substr(0, results.size() - 6) + "-report");
}

TEST(SweepTCommand, AccuracyGrowsWithTInQ25) {
  const std::string results = flipguard::testing::scratch_path("cli_sweep.jsonl").string();
  const auto r =
      run("sweep-t --format q2.5 --ber 1e-3 --t 0.5,3.96875 --trials 3 --images 60 --results " + results);
  ASSERT_EQ(r.status, 0) << r.output;
  std::smatch lo, hi;
  ASSERT_TRUE(std::regex_search(r.output, lo, std::regex("scale=0.5 +[0-9.]+ +([0-9.]+)"))) << r.output;
  ASSERT_TRUE(std::regex_search(r.output, hi, std::regex("scale=3.96875 +[0-9.]+ +([0-9.]+)"))) << r.output;
  EXPECT_GT(std::stod(hi[1]), std::stod(lo[1]) + 20) << r.output;
  std::filesystem::remove(results);
}

}  // namespace
