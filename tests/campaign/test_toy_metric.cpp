// A metric registered from outside src/ flows through every part that reads the registry: the setting
// `metric` and its errors, the records (written and read back), the stopping rule of an adaptive campaign,
// the cell summaries and the report's plots. The toy is SDC-5 made stoppable, a share over counts the
// records keep.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/planning/stop_decision.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "metrics/metric_registry.hpp"
#include "report/campaign_report.hpp"
#include "report/report_writer.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

const metrics::MetricInfo kToy{.id = "toy_sdc5",
                               .label = "Toy SDC-5",
                               .description = "SDC-5, stoppable",
                               .measure = "toy SDC-5",
                               .axis_label = "Toy SDC-5 (%)",
                               .needs_clean_outputs = true,
                               .count = &metrics::TrialCounts::sdc5,
                               .stoppable = true,
                               .plotted = true};

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(ToyMetric, TheSettingAcceptsItWhileRegisteredAndNamesIt) {
  EXPECT_THROW(parse_metric("toy_sdc5"), std::invalid_argument);
  {
    const metrics::MetricRegistration toy(kToy);
    EXPECT_EQ(parse_metric("toy_sdc5"), toy.metric());
    EXPECT_EQ(to_string(toy.metric()), "toy_sdc5");
    try {
      parse_metric("top5");  // registered but not stoppable
      ADD_FAILURE() << "top5 accepted as a stopping metric";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()),
                "metric 'top5' is not one of top1, sdc1, token_top1, token_sdc, ppl_2x, ppl_10x, toy_sdc5");
    }
    // The stopping rule decides on any share's values: identical trials of a betting rule narrow to a stop.
    const StoppingRule rule{.ci_target = 20, .min_trials = 4, .max_trials = 200, .metric = toy.metric()};
    EXPECT_EQ(decide(std::vector<double>(200, 0.0), rule).reason, StopReason::target_reached);
  }
  EXPECT_THROW(parse_metric("toy_sdc5"), std::invalid_argument);
}

// A small adaptive campaign through the library that stops on the toy: its records carry it, its cell
// stops on its interval, and the report plots it under its own name and label.
TEST(ToyMetric, AnAdaptiveCampaignStopsOnItAndTheReportPlotsIt) {
  const metrics::MetricRegistration toy(kToy);
  flipguard::testing::TempDir dir("toy-metric");
  CampaignConfig c = flipguard::testing::resnet20_campaign(dir / "r.jsonl");
  c.formats = {"q2.5"};
  c.protections = {"none"};
  c.bers = {1e-6};  // few flips: SDC-5 stays near 0, the interval narrows quickly
  c.images = 12;
  c.images_per_trial = 0;
  c.ci_target = 15;
  c.min_trials = 4;
  c.max_trials = 60;
  c.wave = 4;
  c.metric = "toy_sdc5";
  const auto records = flipguard::testing::run_campaign_records(c);
  std::int64_t faulty = 0;
  for (const auto& r : records) {
    if (r.ber == 0) continue;
    ++faulty;
    EXPECT_EQ(r.adaptive.metric, toy.metric());
    EXPECT_EQ(nlohmann::json(r)["adaptive"]["metric"], "toy_sdc5");
    EXPECT_EQ(nlohmann::json(r).get<TrialRecord>().adaptive.metric, toy.metric());
  }
  EXPECT_LT(faulty, 60) << "the cell should meet a 15-point target on the toy before max_trials";

  const auto rep = report::build_report(records);
  const auto* cell = rep.find("q2.5", "none", 1e-6);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->metric, toy.metric());
  EXPECT_EQ(cell->stopped, "target reached");
  const MeanEstimate& e = cell->estimate(toy.metric());
  EXPECT_LE((e.hi - e.lo) / 2, 15.0);
  EXPECT_EQ(e.mean, cell->sdc5.mean);  // the same trials' SDC-5

  const auto out = report::write_report(c.results, dir / "report");
  const fs::path plot = dir / "report" / "toy_sdc5_vs_ber_q2.5.svg";
  ASSERT_TRUE(fs::exists(plot));
  EXPECT_NE(read_text(plot).find("Toy SDC-5"), std::string::npos);
}
