// Bad campaign settings and damaged results files through the CLI: rates, formats and scaling targets are
// refused before any work, naming the option; a results file of another campaign or with a corrupt line in
// the middle is refused naming file:line and left as it was; a torn last line is repaired with a warning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace {

namespace fs = std::filesystem;

std::vector<std::string> campaign_args(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"campaign", "--models-dir", models_dir().string(), "--assets",
                                assets_dir().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(BadOptions, BitErrorRatesOutsideZeroOneAreRefused) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  for (const char* bad : {"-1e-3", "1.5", "nan", "NaN", "abc", "1e-3x", "inf"}) {
    const auto r = run_cli(campaign_args({"--bers", std::string("1e-4,") + bad, "--results", results}));
    EXPECT_TRUE(one_line_error(r, {"--bers", std::string("'") + bad + "'", "not a rate in [0, 1]"})) << bad;
  }
  // The same in a TOML file: named by the file.
  write_file(dir / "c.toml", "bers = [1e-4, -0.5]\n");
  EXPECT_TRUE(
      one_line_error(run_cli(campaign_args({"--config", (dir / "c.toml").string(), "--results", results})),
                     {"BER", "outside [0, 1]"}));
  write_file(dir / "c.toml", "bers = [1e-4, nan]\n");
  EXPECT_TRUE(
      one_line_error(run_cli(campaign_args({"--config", (dir / "c.toml").string(), "--results", results})),
                     {"BER", "outside [0, 1]"}));
  write_file(dir / "c.toml", "bers = [1e-4, \"abc\"]\n");
  EXPECT_TRUE(one_line_error(
      run_cli(campaign_args({"--config", (dir / "c.toml").string(), "--results", results})), {"c.toml"}));
  EXPECT_TRUE(one_line_error(run_cli({"sweep-t", "--ber", "2", "--results", results}), {"--ber", "'2'"}));
  EXPECT_FALSE(fs::exists(results)) << "a refused campaign must not create its results file";
}

TEST(BadOptions, UnknownFormatsAreRefused) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  for (const char* bad : {"fp7", "q0.0", "q40.40", "int4", "FP16x"})
    EXPECT_TRUE(one_line_error(
        run_cli(campaign_args({"--formats", std::string("fp16,") + bad, "--results", results})), {bad}))
        << bad;
  EXPECT_TRUE(one_line_error(run_cli({"sweep-t", "--format", "fp7", "--results", results}), {"fp7"}));
}

TEST(BadOptions, ScalingTargetsMustBePositiveFiniteAndStorable) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  const auto campaign = [&](const std::string& format, const std::string& protection) {
    return run_cli(
        campaign_args({"--formats", format, "--protections", "none," + protection, "--results", results}));
  };
  for (const char* bad : {"scale=0", "scale=-1", "scale=nan", "scale=abc", "scale=inf", "scale-channel=0"})
    EXPECT_TRUE(one_line_error(campaign("q2.5", bad), {"must be a positive number"})) << bad;
  // Q2.5 stores at most 127/32 = 3.96875; FP16 at most 65504.
  EXPECT_TRUE(one_line_error(campaign("q2.5", "scale=4"),
                             {"'scale=4'", "t = 4 exceeds the largest value of q2.5 (3.96875)"}));
  EXPECT_TRUE(one_line_error(campaign("fp16", "scale-channel=1e5"),
                             {"t = 100000 exceeds the largest value of fp16 (65504)"}));
  EXPECT_TRUE(
      one_line_error(campaign("q2.5", "scale@logits=8"), {"t = 8 exceeds the largest value of q2.5"}));
  EXPECT_TRUE(one_line_error(campaign("q2.5", "scale@logits=0"), {"t must be a positive number"}));
  EXPECT_TRUE(one_line_error(run_cli({"sweep-t", "--format", "q2.5", "--t", "1,5", "--results", results}),
                             {"t = 5 exceeds the largest value of q2.5"}));
  EXPECT_TRUE(one_line_error(run_cli({"sweep-t", "--format", "q2.5", "--t", "nan", "--results", results}),
                             {"--t: 'nan' is not a positive number"}));
  // At the limit it is accepted (validation only: --trials 1 on 10 images keeps this quick).
  const auto ok = run_cli(campaign_args({"--formats", "q2.5", "--protections", "scale=3.96875", "--bers",
                                         "1e-3", "--trials", "1", "--images", "10", "--results", results}));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// Results of a real small campaign: resnet20, 10 images, 1 configuration: a clean record + 2 trials.
std::vector<std::string> small_campaign(const std::string& results, const std::string& seed = "1") {
  return campaign_args({"--formats", "q2.5", "--protections", "none", "--bers", "1e-3", "--trials", "2",
                        "--images", "10", "--seed", seed, "--results", results});
}

TEST(BadResults, AnotherCampaignsFileIsRefusedNamingTheLine) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  ASSERT_EQ(run_cli(small_campaign(results)).exit_code, 0);
  const std::string before = read_file(results);
  EXPECT_TRUE(
      one_line_error(run_cli(small_campaign(results, "2")), {"r.jsonl:1", "record of another campaign"}));
  EXPECT_EQ(read_file(results), before);
}

TEST(BadResults, TornOrCorruptLastLineIsRepairedWithAWarning) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  ASSERT_EQ(run_cli(small_campaign(results)).exit_code, 0);
  const std::string full = read_file(results);
  const auto lines = lines_of(full);
  ASSERT_EQ(lines.size(), 3u);
  // Torn: the last record cut in the middle, as a kill during the write leaves it.
  write_file(results, full.substr(0, full.size() - lines.back().size() / 2 - 1));
  auto r = run_cli(small_campaign(results));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + results + ":3: partial last record dropped"), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("1 trials run, 2 already in"), std::string::npos) << r.out;
  EXPECT_EQ(lines_of(read_file(results)).size(), 3u);
  // Complete but not a record.
  write_file(results, lines[0] + "\n" + lines[1] + "\n{\"version\": 1, \"campaign\": \n");
  r = run_cli(small_campaign(results));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(results + ":3: partial last record dropped"), std::string::npos) << r.err;
  for (const auto& l : lines_of(read_file(results))) EXPECT_TRUE(nlohmann::json::accept(l)) << l;
}

TEST(BadResults, CorruptMiddleLineIsRefusedNotDropped) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  ASSERT_EQ(run_cli(small_campaign(results)).exit_code, 0);
  const auto lines = lines_of(read_file(results));
  ASSERT_EQ(lines.size(), 3u);
  const std::string damaged = lines[0] + "\n" + lines[1].substr(0, 40) + "\n" + lines[2] + "\n";
  write_file(results, damaged);
  EXPECT_TRUE(one_line_error(run_cli(small_campaign(results)), {"r.jsonl:2", "corrupt results record"}));
  EXPECT_EQ(read_file(results), damaged) << "the damaged file must be left for the user to inspect";
  EXPECT_TRUE(one_line_error(run_cli({"report", results}), {"r.jsonl:2", "corrupt results line"}));
  // A valid JSON line that is not a record (a field missing) is just as corrupt.
  auto rec = nlohmann::json::parse(lines[1]);
  rec.erase("top1");
  write_file(results, lines[0] + "\n" + rec.dump() + "\n" + lines[2] + "\n");
  EXPECT_TRUE(one_line_error(run_cli(small_campaign(results)), {"r.jsonl:2", "corrupt results record"}));
  // The results path is a folder.
  EXPECT_TRUE(one_line_error(run_cli(small_campaign(dir.path().string())), {dir.path().string()}));
}

}  // namespace
}  // namespace flipguard::robustness
