// Bad campaign settings and damaged results files through the CLI: rates, formats and scaling targets are
// refused before any work, naming the option; a results file of another campaign or with a corrupt line in
// the middle is refused naming file:line and left as it was; a torn last line is repaired with a warning.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

TEST(BadResults, FilesThatAreNotResultsAreRefusedUntouched) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  // What a user might point --results at by mistake: none of it may be truncated or appended to.
  for (const std::string& content :
       {std::string("my notes about the run\n"), std::string("{\"a\":1}"), std::string("{\"a\":1}\n"),
        std::string("[1,2,3]\n{\"b\":2}\n"), std::string("plain text without a newline"),
        std::string("\x7f"
                    "ELF\x02\x01\x01\0\0\0",
                    10),
        std::string("{\"model\": \"resnet20\"}\n")}) {
    write_file(results, content);
    EXPECT_TRUE(one_line_error(run_cli(small_campaign(results)), {"r.jsonl", "not a flipguard results file"}))
        << content;
    EXPECT_EQ(read_file(results), content) << "the file must be left as it was";
  }
  // A record cut short on its very first write is what a kill leaves: repaired.
  ASSERT_EQ(run_cli(small_campaign(results + ".full")).exit_code, 0);
  const std::string first = lines_of(read_file(results + ".full"))[0];
  write_file(results, first.substr(0, first.size() / 2));
  const auto r = run_cli(small_campaign(results));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("partial last record dropped"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(read_file(results)).size(), 3u);
}

TEST(BadResults, OnlyRegularFilesAreResultsFiles) {
  TempDir dir;
  // A FIFO would block an open or a read forever; a link to a device would read forever.
  const auto fifo = dir / "fifo.jsonl";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto r = run_cli(small_campaign(fifo.string()), 0, 60);
  EXPECT_TRUE(one_line_error(r, {"fifo.jsonl", "a FIFO", "regular file"}));
  const auto zero = dir / "zero.jsonl";
  fs::create_symlink("/dev/zero", zero);
  r = run_cli(small_campaign(zero.string()), 0, 60);
  EXPECT_TRUE(one_line_error(r, {"zero.jsonl", "a character device"}));
  EXPECT_TRUE(
      one_line_error(run_cli({"report", zero.string()}, 0, 60), {"zero.jsonl", "a character device"}));
  EXPECT_TRUE(one_line_error(run_cli({"report", fifo.string()}, 0, 60), {"fifo.jsonl", "a FIFO"}));
  EXPECT_TRUE(
      one_line_error(run_cli({"merge", (dir / "out.jsonl").string(), zero.string()}, 0, 60), {"zero.jsonl"}));
  EXPECT_FALSE(fs::exists(dir / "out.jsonl"));
  // A link to a regular file is fine.
  ASSERT_EQ(run_cli(small_campaign((dir / "real.jsonl").string())).exit_code, 0);
  fs::create_symlink(dir / "real.jsonl", dir / "link.jsonl");
  const auto again = run_cli(small_campaign((dir / "link.jsonl").string()));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 trials run, 3 already in"), std::string::npos) << again.out;
}

TEST(BadOptions, RepeatedListItemsAreRefusedBeforeAnyWork) {
  TempDir dir;
  const std::string results = (dir / "r.jsonl").string();
  const std::vector<std::vector<std::string>> repeated{{"--bers", "1e-3,1e-3"},
                                                       {"--bers", "1e-3,0.001"},
                                                       {"--formats", "q2.5,q2.5"},
                                                       {"--protections", "none,scale,none"},
                                                       {"--protections", "scale+ecc72,ecc72+scale"}};
  for (const auto& extra : repeated) {
    auto args = small_campaign(results);
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_TRUE(one_line_error(run_cli(args), {extra[0], "listed twice"})) << extra[1];
    auto layer = args;
    layer[0] = "layer-campaign";
    EXPECT_TRUE(one_line_error(run_cli(layer), {extra[0], "listed twice"})) << extra[1];
  }
  write_file(dir / "c.toml", "bers = [1e-3, 1e-4, 0.001]\n");
  EXPECT_TRUE(
      one_line_error(run_cli(campaign_args({"--config", (dir / "c.toml").string(), "--results", results})),
                     {"c.toml", "listed twice"}));
  EXPECT_FALSE(fs::exists(results));
}

}  // namespace
}  // namespace flipguard::robustness
