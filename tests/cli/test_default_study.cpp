// `flipguard campaign` with its defaults, as a first run meets it: every faulty cell on the cell design until
// its interval target (betting-mix intervals), the budget said up front, and a table that says per cell
// whether the target was reached; `--trials N` alone runs N fixed trials instead. The grid is cut to two
// cells and a small budget to keep the test short; everything else is the default study's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_run.hpp"

namespace flipguard::testing {
namespace {

std::vector<nlohmann::json> records_of(const std::filesystem::path& results) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_file(results));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<std::string> small_grid(const std::filesystem::path& results) {
  return {"campaign", "--models-dir",  models_dir().string(), "--formats",
          "q2.5",     "--protections", "none,scale",          "--bers",
          "1e-3",     "--results",     results.string()};
}

TEST(DefaultStudy, CellsRunTheDesignToTheTargetAndTheTableSaysWhetherEachGotThere) {
  TempDir dir("default-study");
  const auto results = dir / "c.jsonl";
  auto args = small_grid(results);
  args.insert(args.end(), {"--max-trials", "40"});  // 640 inferences a cell: some cells cannot get there
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: 2 faulty cells, each until its 95% interval is within +-2 points or its "
                       "budget of 640 images scored is spent (the cell design"),
            std::string::npos)
      << r.err;
  std::int64_t faulty = 0, reached = 0;
  for (const auto& j : records_of(results)) {
    if (j.at("ber").get<double>() == 0) continue;
    ++faulty;
    EXPECT_TRUE(j.contains("design")) << j.dump();
    EXPECT_EQ(j.at("interval"), "betting-mix");
    EXPECT_EQ(j.at("adaptive").at("ci_target"), 2.0);
  }
  EXPECT_GT(faulty, 2 * 16);  // at least the pilots
  // Each faulty row ends with its outcome, and a line sums them up.
  std::istringstream table(r.out);
  int rows = 0;
  for (std::string line; std::getline(table, line);) {
    if (line.find("0.001") == std::string::npos) continue;
    ++rows;
    const bool got = line.ends_with("target reached"),
               missed = line.ends_with("target NOT reached (budget spent)");
    EXPECT_TRUE(got || missed) << line;
    reached += got ? 1 : 0;
  }
  EXPECT_EQ(rows, 2) << r.out;
  EXPECT_NE(r.out.find(std::to_string(reached) + " of 2 faulty cells reached their interval target"),
            std::string::npos)
      << r.out;
}

TEST(DefaultStudy, TrialsAloneRunThatManyFixedTrialsOverAllImages) {
  TempDir dir("default-study");
  const auto results = dir / "c.jsonl";
  auto args = small_grid(results);
  args.insert(args.end(), {"--trials", "3", "--images", "64"});
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: 2 faulty cells x 3 fixed trials"), std::string::npos) << r.err;
  int faulty = 0;
  for (const auto& j : records_of(results)) {
    if (j.at("ber").get<double>() == 0) continue;
    ++faulty;
    EXPECT_FALSE(j.contains("adaptive")) << j.dump();
    EXPECT_FALSE(j.contains("design")) << j.dump();
    EXPECT_EQ(j.at("images"), 64);
  }
  EXPECT_EQ(faulty, 6);
  EXPECT_EQ(r.out.find("target"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace flipguard::testing
