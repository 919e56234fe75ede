// Campaigns on the language model trained here (models/fortune-lm, its validation windows): records that
// score next tokens against the fault-free model on the same sequences, the same records at another batch
// and after a resume, per-trial samples compared with their own fault-free NLL, layer campaigns over the
// LM's tensors equal to ordinary campaigns faulting each alone, a report of medians, and settings that
// only classifiers have refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "report/campaign_report.hpp"
#include "report/perplexity_plot.hpp"
#include "report/summary_markdown.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

// Results files of this process's tests, in one scratch folder removed at exit.
fs::path temp_file(const std::string& name) {
  static const flipguard::testing::TempDir dir("lm-campaign");
  return dir / name;
}

CampaignConfig lm_config(const fs::path& results) {
  CampaignConfig c;
  c.model = (flipguard::testing::models_dir() / "fortune-lm.json").string();
  c.results = results.string();
  c.formats = {"fp16"};
  c.protections = {"none"};
  c.bers = {3e-6};
  c.trials = 3;
  c.images = 10;  // sequences; batches of 4: a partial last one
  c.batch = 4;
  c.threads = 1;
  return c;
}

std::vector<TrialRecord> run(const CampaignConfig& c) {
  return flipguard::testing::run_campaign_records(c);
}

}  // namespace

TEST(LmCampaign, RecordsScoreNextTokensAgainstTheFaultFreeModelAndAgreeAcrossBatchesAndResumes) {
  const auto path = temp_file("lm.jsonl");
  const auto records = run(lm_config(path));
  ASSERT_EQ(records.size(), 4u);
  const TrialRecord& clean = records.front();
  ASSERT_EQ(clean.ber, 0);
  ASSERT_TRUE(clean.language_model());
  EXPECT_FALSE(clean.labelled);
  EXPECT_EQ(clean.images, 10);
  EXPECT_EQ(clean.tokens.positions, 10 * 128);  // rows of 129 ids: every position has a target
  EXPECT_EQ(clean.clean_nll_sum, clean.tokens.nll_sum);
  EXPECT_EQ(clean.tokens.sdc, 0);
  EXPECT_GT(clean.counts().perplexity, 20);
  EXPECT_LT(clean.counts().perplexity, 80);
  bool some_changed = false;
  for (const auto& r : records) {
    if (r.ber == 0) continue;
    ASSERT_TRUE(r.language_model());
    EXPECT_EQ(r.clean_nll_sum, clean.tokens.nll_sum) << "the whole set's fault-free NLL";
    EXPECT_GT(r.flips, 0);
    if (r.tokens.sdc > 0) {
      some_changed = true;
      EXPECT_GT(r.tokens.kl_sum, 0);
    }
  }
  EXPECT_TRUE(some_changed) << "no fault changed a next-token prediction: the checks prove little";

  // The same campaign at batch 3 (other partial batches) gives the same records.
  auto other = lm_config(temp_file("lm-batch3.jsonl"));
  other.batch = 3;
  auto at3 = run(other);
  auto at4 = records;
  for (auto* rs : {&at3, &at4})
    for (auto& r : *rs) r.campaign.clear();  // the batch is part of a campaign's identity
  EXPECT_EQ(flipguard::testing::fingerprints(at3), flipguard::testing::fingerprints(at4));

  // A results file cut after two records resumes to the same four.
  {
    std::ifstream in(path);
    std::string a, b;
    std::getline(in, a);
    std::getline(in, b);
    in.close();
    std::ofstream(path) << a << "\n" << b << "\n";
  }
  EXPECT_EQ(flipguard::testing::fingerprints(run(lm_config(path))),
            flipguard::testing::fingerprints(records));

  // The report's tables are a language model's: medians of perplexity, blow-up shares, next-token Top-1.
  const auto rep = report::build_report(records);
  EXPECT_TRUE(rep.language_model);
  const std::string md = report::summary_markdown(rep, "lm", {});
  EXPECT_NE(md.find("### Perplexity: median over trials"), std::string::npos);
  EXPECT_NE(md.find("### Next-token Top-1 accuracy (%)"), std::string::npos);
  EXPECT_EQ(md.find("### Top-1 accuracy (%)"), std::string::npos);
  // Its plot: log10 of each cell's median perplexity, the clean one in the anchor slot.
  const auto plot = report::perplexity_plot(rep, "fp16");
  ASSERT_TRUE(plot);
  ASSERT_EQ(plot->series.size(), 1u);
  const auto* faulty = rep.find("fp16", "none", 3e-6);
  ASSERT_NE(faulty, nullptr);
  const double median = faulty->median(metrics::Metric::perplexity)->estimate;
  EXPECT_DOUBLE_EQ(plot->series[0].y.at(0), std::isinf(median) ? plot->y_max : std::log10(median));
  EXPECT_NEAR(plot->series[0].anchor_y, std::log10(clean.counts().perplexity), 1e-12);
  // The per-trial distribution: one dot per record, the clean run in its own group.
  const auto trials = report::perplexity_trials_plot(rep, "fp16");
  ASSERT_TRUE(trials);
  std::size_t dots = 0;
  for (const auto& panel : trials->panels)
    for (const auto& cat : panel.categories) dots += cat.points.size();
  EXPECT_EQ(dots, records.size());
  EXPECT_EQ(trials->panels.at(0).categories.at(0).points.at(0).group, 2);
  auto image = records.front();  // the same cell as a classifier's record
  image.tokens = {};
  image.labelled = true;
  image.top1 = image.top5 = 5;
  EXPECT_FALSE(report::perplexity_plot(report::build_report(std::vector<TrialRecord>{image}), "fp16"))
      << "a classifier has no perplexity plot";
}

// A trial over a sample of the sequences compares its perplexity with the fault-free NLL of that sample:
// with faults that change no weight, the two are equal, whatever the sample.
TEST(LmCampaign, SampledTrialsCompareWithTheFaultFreeNllOfTheirOwnSequences) {
  auto c = lm_config(temp_file("lm-sample.jsonl"));
  c.bers = {1e-12};
  c.images_per_trial = 3;
  c.trials = 4;
  std::set<double> clean_sums;
  for (const auto& r : run(c)) {
    if (r.ber == 0) continue;
    EXPECT_EQ(r.changed_weights, 0);
    EXPECT_EQ(r.images, 3);
    EXPECT_EQ(r.tokens.nll_sum, r.clean_nll_sum) << "trial " << r.trial;
    EXPECT_EQ(r.tokens.sdc, 0);
    EXPECT_EQ(r.counts().ppl_2x, 0);
    clean_sums.insert(r.clean_nll_sum);
  }
  EXPECT_GT(clean_sums.size(), 1u) << "the trials' samples should differ";
}

TEST(LmCampaign, LayerCampaignRecordsEqualOrdinaryCampaignsFaultingEachTensorAlone) {
  auto c = lm_config(temp_file("lm-layers.jsonl"));
  c.tensors = "^(tok\\.weight|onnx::MatMul_480)$";  // the tied embedding/head and block 1's MLP output
  c.bers = {2e-5};
  c.trials = 2;
  std::ostringstream log;
  run_layer_campaign(
      c, [](const LayerCampaignProgress&) {}, log);
  auto layered = report::read_results(c.results).records;
  ASSERT_EQ(layered.size(), 2u * 3u);
  std::map<std::string, std::vector<TrialRecord>> by_tensor;
  for (auto& r : layered) {
    r.campaign.clear();
    by_tensor[r.tensors].push_back(r);
  }
  ASSERT_EQ(by_tensor.size(), 2u);
  for (const auto& [tensor, records] : by_tensor) {
    auto single = lm_config(temp_file("lm-single.jsonl"));
    single.bers = c.bers;
    single.trials = c.trials;
    single.tensors = "^" + (tensor == "tok.weight" ? std::string("tok\\.weight") : tensor) + "$";
    auto expected = run(single);
    for (auto& r : expected) {
      r.campaign.clear();
      r.tensors = tensor;
    }
    EXPECT_EQ(flipguard::testing::fingerprints(records), flipguard::testing::fingerprints(expected))
        << tensor;
    fs::remove(single.results);
  }
}

TEST(LmCampaign, ClassifierSettingsAreRefusedByName) {
  auto c = lm_config(temp_file("lm-refused.jsonl"));
  c.metric = "top1";
  c.given.insert("metric");
  c.ci_target = 5;
  try {
    (void)run(c);
    FAIL() << "a Top-1 stopping metric ran on token sequences";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("token sequences"), std::string::npos) << e.what();
  }
  auto f = lm_config(temp_file("lm-floor.jsonl"));
  f.floor = 10;
  EXPECT_THROW((void)run(f), std::invalid_argument);
}
