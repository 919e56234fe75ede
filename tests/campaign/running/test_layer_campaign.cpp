// The layer campaign on a real model: its records equal, field for field (accuracy counts included), those
// of ordinary campaigns faulting each layer alone; a killed run resumes by layer; bad settings are refused;
// the report shows the per-layer table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "campaign/records/trial_record_json.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "report/cell_csv.hpp"
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

fs::path temp_file(const std::string& name) {
  return flipguard::testing::scratch_path(name);
}

// The first convolution, one inside a residual block (its output is summed with the skip value), the
// first of a down-sampling block, and the classifier.
const char* const kLayers = "^(conv1|layer1\\.1\\.conv2|layer3\\.0\\.conv1|linear)\\.weight$";

CampaignConfig small_config(const fs::path& results) {
  CampaignConfig c;
  c.model = (fs::path(FLIPGUARD_SOURCE_DIR) / "models" / "resnet20.json").string();
  c.formats = {"q2.5", "fp16"};
  c.protections = {"none", "scale+ecc72"};
  c.bers = {1e-2};
  c.trials = 2;
  c.images = 24;  // batches of 16: the last one is partial
  c.tensors = kLayers;
  c.results = results.string();
  return c;
}

constexpr int kRecordsPerLayer = 4 * (1 + 1 * 2);  // configurations x (clean + BERs x trials)

LayerCampaignSummary run_layers(const CampaignConfig& c, std::ostream& log) {
  return run_layer_campaign(
      c, [](const LayerCampaignProgress&) {}, log);
}

// One complete run of small_config, shared by the tests of a process, removed at exit.
const fs::path& reference_results() {
  struct Reference {
    fs::path path = temp_file("reference.jsonl");
    Reference() {
      std::ostringstream log;
      run_layers(small_config(path), log);
    }
    ~Reference() { fs::remove(path); }
  };
  static const Reference reference;
  return reference.path;
}

// Everything but the timings, the campaign id (a layer campaign is a campaign of its own) and how the
// logits were had (an ordinary campaign faulting one layer starts its trials at that layer too, and says so).
std::multiset<std::string> fingerprints(std::vector<TrialRecord> rs) {
  for (auto& r : rs) r.campaign.clear();
  return flipguard::testing::fingerprints(rs);
}

std::string escape_regex(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::string("\\^$.|?*+()[]{}").find(ch) != std::string::npos) out += '\\';
    out += ch;
  }
  return out;
}

TEST(LayerCampaign, RecordsEqualOrdinaryCampaignsFaultingEachLayerAlone) {
  std::ostringstream log;
  const auto records = report::read_results(reference_results()).records;
  ASSERT_EQ(records.size(), 4u * kRecordsPerLayer);
  std::vector<std::string> layers;
  for (const auto& r : records)
    if (layers.empty() || layers.back() != r.tensors) layers.push_back(r.tensors);
  ASSERT_EQ(layers, (std::vector<std::string>{"conv1.weight", "layer1.1.conv2.weight",
                                              "layer3.0.conv1.weight", "linear.weight"}))
      << "one layer after another, in execution order";

  std::map<std::string, std::vector<TrialRecord>> by_layer;
  for (const auto& r : records) by_layer[r.tensors].push_back(r);
  bool some_trial_lost_accuracy = false;
  for (const auto& layer : layers) {
    CampaignConfig single = small_config(temp_file("single.jsonl"));
    single.tensors = "^" + escape_regex(layer) + "$";
    run_campaign(
        single, [](const CampaignProgress&) {}, log);
    auto expected = report::read_results(single.results).records;
    ASSERT_EQ(expected.size(), by_layer[layer].size()) << layer;
    std::map<std::string, std::int64_t> clean_top1;
    for (auto& r : expected) {
      r.tensors = layer;  // the ordinary campaign records its selection, an anchored pattern
      if (r.ber == 0) clean_top1[r.format + r.protection] = r.top1;
    }
    EXPECT_EQ(fingerprints(by_layer[layer]), fingerprints(expected)) << layer;
    for (const auto& r : expected)
      if (r.ber > 0 && r.top1 < clean_top1[r.format + r.protection]) some_trial_lost_accuracy = true;
    fs::remove(single.results);
  }
  EXPECT_TRUE(some_trial_lost_accuracy) << "no fault changed any prediction: the comparison proves little";
}

TEST(LayerCampaign, ResumesAfterAKillMidLayer) {
  const auto cut = temp_file("cut.jsonl");
  std::ostringstream log;
  const auto reference = report::read_results(reference_results()).records;
  // A kill while the second layer's records were being written: all of the first layer's records, 5 of
  // the second's, then half a line.
  const int kept = kRecordsPerLayer + 5;
  std::ifstream in(reference_results());
  std::ofstream out(cut);
  std::string line;
  for (int i = 0; i <= kept && std::getline(in, line); ++i)
    out << (i < kept ? line + "\n" : line.substr(0, 40));
  out.close();
  const auto summary = run_layers(small_config(cut), log);
  EXPECT_EQ(summary.layers_skipped, 1);
  EXPECT_EQ(summary.layers_run, 3);
  EXPECT_EQ(summary.trials_skipped, kept);
  EXPECT_EQ(summary.trials_run, static_cast<std::int64_t>(reference.size()) - kept);
  EXPECT_NE(log.str().find("partial last record dropped"), std::string::npos) << log.str();
  EXPECT_EQ(fingerprints(report::read_results(cut).records), fingerprints(reference));
  const auto again = run_layers(small_config(cut), log);
  EXPECT_EQ(again.trials_run, 0);
  EXPECT_EQ(again.layers_skipped, 4);
  fs::remove(cut);
}

TEST(LayerCampaign, RefusesScaleAtLogitsAndAnOrdinaryCampaignsResults) {
  std::ostringstream log;
  CampaignConfig c = small_config(temp_file("refused.jsonl"));
  c.protections = {"none", "scale@logits"};
  try {
    run_layers(c, log);
    FAIL() << "expected a refusal";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("protections: 'scale@logits'"), std::string::npos) << e.what();
  }
  const auto p = temp_file("ordinary.jsonl");
  CampaignConfig ordinary = small_config(p);
  ordinary.formats = {"q2.5"};
  ordinary.protections = {"none"};
  ordinary.bers = {1e-3};
  ordinary.trials = 1;
  run_campaign(
      ordinary, [](const CampaignProgress&) {}, log);
  try {
    run_layers(ordinary, log);
    FAIL() << "expected a refusal";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("record of another campaign"), std::string::npos) << e.what();
  }
  CampaignConfig none = small_config(temp_file("none.jsonl"));
  none.tensors = "no_such_layer";
  EXPECT_THROW(run_layers(none, log), std::invalid_argument);
  fs::remove(p);
}

TEST(LayerCampaign, ReportHasOneRowPerLayerWithTheRecordsMeans) {
  const auto& p = reference_results();
  const auto out = report::write_report(p, temp_file("report"));
  ASSERT_TRUE(fs::exists(out.dir / "layers.md"));
  ASSERT_TRUE(fs::exists(out.dir / "layers.csv"));
  EXPECT_FALSE(fs::exists(out.dir / "summary.md")) << "pooling layers into one cell would mean nothing";
  // Mean Top-1 of one (layer, cell), from the records directly.
  const auto records = report::read_results(p).records;
  double sum = 0;
  int n = 0;
  for (const auto& r : records)
    if (r.tensors == "layer1.1.conv2.weight" && r.format == "q2.5" && r.protection == "none" && r.ber == 1e-2)
      sum += r.top1_percent(), ++n;
  ASSERT_EQ(n, 2);
  std::ifstream csv(out.dir / "layers.csv");
  std::string line;
  int rows = 0;
  bool found = false;
  const auto fields = [](const std::string& l) {
    std::vector<std::string> f;
    std::stringstream s(l);
    for (std::string x; std::getline(s, x, ',');) f.push_back(x);
    return f;
  };
  std::getline(csv, line);
  ++rows;
  EXPECT_EQ(line, "layer," + report::cell_csv_header()) << "summary.csv's columns after a layer column";
  const std::size_t columns = fields(line).size();
  while (std::getline(csv, line)) {
    ++rows;
    const auto f = fields(line);
    EXPECT_EQ(f.size(), columns) << line;
    if (line.starts_with("layer1.1.conv2.weight,q2.5,none,0.01,")) {
      EXPECT_NEAR(std::stod(f.at(6)), sum / n, 1e-9) << line;
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(rows, 1 + 4 * 4 * 2);  // header + layers x configurations x (clean + 1 BER)
  fs::remove_all(out.dir);
}

}  // namespace
