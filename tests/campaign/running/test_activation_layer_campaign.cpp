// The layer campaign over the activations site (one value nodes write at a time) on ResNet-20: `single` puts
// exactly one flip per image into the faulted value; each value's records are those of an ordinary campaign
// faulting that value alone; a partial results file resumes to the same records; trials start at each
// value's cut (the executor runs the layers before it once per batch, never per trial); int8 ranges are
// profiled once for every value; records and report name the site, the calibration and each value.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/settings.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"
#include "support/campaign_runs.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

constexpr int kImages = 24, kBatch = 8, kTrials = 3;

// ResNet-20's written values and layer count, as a campaign's executor (batch kBatch) has them.
struct Model {
  std::vector<engine::WrittenValue> values;
  int layers = 0;
};
const Model& resnet20() {
  static const Model m = [] {
    engine::ExecutorOptions eo;
    eo.batch = kBatch;
    engine::Executor ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), eo);
    return Model{ex.written_values(), ex.layer_count()};
  }();
  return m;
}

std::string escape_regex(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::string("\\^$.|?*+()[]{}").find(ch) != std::string::npos) out += '\\';
    out += ch;
  }
  return out;
}

// An early value (after the first layer), one in the middle and a late one (before the classifier's).
std::vector<engine::WrittenValue> chosen_values() {
  const auto& v = resnet20().values;
  return {v[1], v[v.size() / 2], v[v.size() - 2]};
}

std::string selection_of(const std::vector<engine::WrittenValue>& values) {
  std::string alternatives;
  for (const auto& v : values) alternatives += (alternatives.empty() ? "" : "|") + escape_regex(v.name);
  return "^(" + alternatives + ")$";
}

CampaignConfig single_flip_config(const fs::path& results, const std::vector<engine::WrittenValue>& values) {
  CampaignConfig c = flipguard::testing::resnet20_campaign(results);
  set_setting(c, "site", "activations");
  c.fault = "single";
  c.formats = {"fp32"};
  c.protections = {"none"};
  c.bers = {1e-6};  // labels the cell only: single flips once per image
  c.trials = kTrials;
  c.images = kImages;
  c.batch = kBatch;
  c.tensors = selection_of(values);
  return c;
}

LayerCampaignSummary run_layers(const CampaignConfig& c) {
  std::ostringstream log;
  return run_layer_campaign(
      c, [](const LayerCampaignProgress&) {}, log);
}

// One complete run over the three chosen values, shared by the tests of a process.
struct Reference {
  fs::path path = flipguard::testing::scratch_path("act_layers.jsonl");
  LayerCampaignSummary summary = run_layers(single_flip_config(path, chosen_values()));
};
const Reference& reference() {
  static const Reference r;
  return r;
}

std::multiset<std::string> fingerprints(std::vector<TrialRecord> rs) {
  for (auto& r : rs) r.campaign.clear();
  return flipguard::testing::fingerprints(rs);
}

TEST(ActivationLayerCampaign, SingleFlipsOncePerImageInsideTheFaultedValue) {
  const auto& ref = reference();
  const auto values = chosen_values();
  ASSERT_EQ(ref.summary.site, "activations");
  ASSERT_EQ(ref.summary.layers.size(), values.size());
  const auto records = report::read_results(ref.path).records;
  ASSERT_EQ(records.size(), values.size() * (1 + kTrials));
  std::map<std::string, double> rel_l2;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto& v = values[i];
    EXPECT_EQ(ref.summary.layers[i], v.name) << "in run order";
    EXPECT_EQ(ref.summary.cuts[i], v.cut) << v.name << ": trials start at the layer writing the value";
    int faulty = 0;
    for (const auto& r : records) {
      if (r.tensors != v.name) continue;
      EXPECT_EQ(r.site, "activations");
      EXPECT_EQ(r.value_node, v.node);
      EXPECT_EQ(r.value_op, v.op);
      EXPECT_EQ(r.value_elements, v.elements_per_image());
      if (r.ber == 0) {
        EXPECT_EQ(r.flips, 0);
        EXPECT_EQ(r.sdc1, 0);
        continue;
      }
      ++faulty;
      // One flip per image, every one inside this value (the draw is over its bits alone), and each changes
      // its element's stored word.
      EXPECT_EQ(r.flips, kImages) << v.name << " trial " << r.trial;
      EXPECT_EQ(r.changed_weights, kImages) << v.name << " trial " << r.trial;
      EXPECT_EQ(r.images, kImages);
      EXPECT_EQ(r.start_layer, v.cut);
      rel_l2[v.name] += r.logit_rel_l2;
    }
    EXPECT_EQ(faulty, kTrials) << v.name;
  }
  // Each value draws its own flips: their effect on the logits differs from value to value.
  std::set<double> distinct;
  for (const auto& [name, l2] : rel_l2) {
    EXPECT_GT(l2, 0) << name << ": one flip per image left every logit as it was";
    distinct.insert(l2);
  }
  EXPECT_EQ(distinct.size(), values.size());
}

TEST(ActivationLayerCampaign, RecordsEqualAnOrdinaryCampaignFaultingTheValueAlone) {
  const auto records = report::read_results(reference().path).records;
  for (const auto& v : {chosen_values().front(), chosen_values().back()}) {
    CampaignConfig ordinary = single_flip_config(flipguard::testing::scratch_path("act_one.jsonl"), {v});
    ordinary.tensors = v.name;
    auto expected = flipguard::testing::run_campaign_records(ordinary);
    std::vector<TrialRecord> mine;
    for (auto r : records)
      if (r.tensors == v.name) {
        r.value_node.clear();  // what only a layer campaign's records say of the value
        r.value_op.clear();
        r.value_elements = 0;
        mine.push_back(r);
      }
    ASSERT_EQ(expected.size(), mine.size()) << v.name;
    for (const auto& r : expected) {
      if (r.ber == 0) continue;
      EXPECT_EQ(r.start_layer, v.cut) << "the ordinary campaign starts at the value's cut too";
    }
    EXPECT_EQ(fingerprints(mine), fingerprints(expected)) << v.name;
  }
}

TEST(ActivationLayerCampaign, ResumesAfterAPartialResultsFileToTheSameRecords) {
  const auto& ref = reference();
  const auto cut = flipguard::testing::scratch_path("act_layers_cut.jsonl");
  // All of the first value's records, one of the second's, then half a line (a killed write).
  const int kept = (1 + kTrials) + 1;
  {
    std::ifstream in(ref.path);
    std::ofstream out(cut);
    std::string line;
    for (int i = 0; i <= kept && std::getline(in, line); ++i)
      out << (i < kept ? line + "\n" : line.substr(0, 50));
  }
  const auto summary = run_layers(single_flip_config(cut, chosen_values()));
  EXPECT_EQ(summary.layers_skipped, 1);
  EXPECT_EQ(summary.layers_run, 2);
  EXPECT_EQ(summary.trials_skipped, kept);
  const auto reference_records = report::read_results(ref.path).records;
  EXPECT_EQ(summary.trials_run, static_cast<std::int64_t>(reference_records.size()) - kept);
  EXPECT_EQ(fingerprints(report::read_results(cut).records), fingerprints(reference_records));
  EXPECT_EQ(run_layers(single_flip_config(cut, chosen_values())).trials_run, 0);
}

// The layers a run executes: per batch the prefix [0, cut) once, then the suffix [cut, L) for the clean pass
// and for each trial, plus one suffix again for every NaN-faithful rerun. A late value costs a few layers
// per trial, an early one nearly all of them.
TEST(ActivationLayerCampaign, TrialsRunOnlyTheLayersAfterTheValue) {
  const int layers = resnet20().layers;
  const std::int64_t batches = (kImages + kBatch - 1) / kBatch, passes = batches * (1 + kTrials);
  std::map<std::string, std::int64_t> executed;
  for (const auto& v : {chosen_values().front(), chosen_values().back()}) {
    const auto s = run_layers(single_flip_config(flipguard::testing::scratch_path("act_cut.jsonl"), {v}));
    ASSERT_EQ(s.cuts, std::vector<int>{v.cut});
    EXPECT_EQ(s.layers_executed, batches * v.cut + (passes + s.faithful_runs) * (layers - v.cut)) << v.name;
    executed[v.name] = s.layers_executed;
  }
  const auto early = chosen_values().front(), late = chosen_values().back();
  ASSERT_LT(early.cut, late.cut);
  ASSERT_GT(late.cut, layers / 2);
  // What full passes would cost: every layer, every pass.
  EXPECT_LT(executed[late.name], passes * layers / 2);
  EXPECT_GT(executed[early.name], 2 * executed[late.name]);
}

// int8 storage needs each value's scale: profiled once on the calibration images (after the evaluated
// ones), for every value of the campaign, not once per value; records and the report say where from.
TEST(ActivationLayerCampaign, Int8RangesAreProfiledOnceAndNamedInRecordsAndReport) {
  const auto values = chosen_values();
  CampaignConfig c = single_flip_config(flipguard::testing::scratch_path("act_layers_int8.jsonl"), values);
  c.formats = {"int8"};
  c.protections = {"none", "clip-act"};
  c.calibration_images = 16;
  c.trials = 2;
  const auto s = run_layers(c);
  const int layers = resnet20().layers;
  const std::int64_t batches = (kImages + kBatch - 1) / kBatch, passes = batches * 2 * (1 + c.trials);
  std::int64_t expected = (c.calibration_images / kBatch) * layers;  // one profiling pass over every layer
  for (const auto& v : values) expected += batches * v.cut + passes * (layers - v.cut);
  EXPECT_EQ(s.faithful_runs, 0) << "int8 words hold no NaN or Inf: nothing to rerun";
  EXPECT_EQ(s.layers_executed, expected);
  const auto records = report::read_results(c.results).records;
  ASSERT_EQ(records.size(), values.size() * 2 * (1 + c.trials));
  for (const auto& r : records) {
    EXPECT_EQ(r.site, "activations");
    EXPECT_EQ(r.calibration,
              "16 images of cifar10-lossless200 after the 24 evaluated (stratified order, disjoint)");
    if (r.ber > 0) {
      EXPECT_EQ(r.flips, kImages);
    }
  }
  // The same ranges as an ordinary campaign of one value profiles for itself: the same records.
  CampaignConfig one = c;
  one.results = flipguard::testing::scratch_path("act_one_int8.jsonl").string();
  one.tensors = values.back().name;
  std::vector<TrialRecord> mine;
  for (auto r : records)
    if (r.tensors == values.back().name) {
      r.value_node.clear();
      r.value_op.clear();
      r.value_elements = 0;
      mine.push_back(r);
    }
  EXPECT_EQ(fingerprints(mine), fingerprints(flipguard::testing::run_campaign_records(one)));

  const auto out = report::write_report(c.results, flipguard::testing::scratch_path("act_layers_report"));
  std::ifstream md(out.dir / "layers.md");
  const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  for (const std::string& want :
       {std::string("- **fault site**: activations"),
        std::string("- **ranges profiled on**: 16 images of cifar10-lossless200 after the 24 evaluated"),
        std::string("| value | node | op | elements per image | 0 (clean) | single |"),
        "| " + values.back().name + " | " + values.back().node + " | " + values.back().op + " | " +
            std::to_string(values.back().elements_per_image()) + " |",
        std::string("### SDC-1"), std::string("Each row faults one value nodes write")})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
}

// An ordinary campaign's report names its site and calibration; a stored-weights campaign's names neither
// (its records carry neither field, as before).
TEST(ActivationLayerCampaign, OrdinaryReportsNameTheSiteAndCalibrationOnlyWhenThereAreSome) {
  CampaignConfig c =
      single_flip_config(flipguard::testing::scratch_path("act_ordinary.jsonl"), chosen_values());
  c.tensors = "all";
  c.fault = "ber";
  c.formats = {"int8"};
  c.trials = 2;
  c.calibration_images = 8;
  flipguard::testing::run_campaign_records(c);
  std::ifstream in(c.results);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"site\":\"activations\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"calibration\":\"8 images of"), std::string::npos) << line;
  auto out = report::write_report(c.results, flipguard::testing::scratch_path("act_ordinary_report"));
  std::ifstream md(out.dir / "summary.md");
  std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("- **fault site**: activations"), std::string::npos) << text;
  EXPECT_NE(text.find("- **ranges profiled on**: 8 images of cifar10-lossless200 after the 24 evaluated"),
            std::string::npos)
      << text;

  CampaignConfig w = flipguard::testing::resnet20_campaign(flipguard::testing::scratch_path("weights.jsonl"));
  w.formats = {"fp32"};
  w.protections = {"none"};
  w.bers = {1e-6};
  w.trials = 2;
  w.images = 16;
  flipguard::testing::run_campaign_records(w);
  std::ifstream win(w.results);
  ASSERT_TRUE(std::getline(win, line));
  EXPECT_EQ(line.find("\"site\""), std::string::npos) << line;
  EXPECT_EQ(line.find("\"calibration\""), std::string::npos) << line;
  out = report::write_report(w.results, flipguard::testing::scratch_path("weights_report"));
  std::ifstream wmd(out.dir / "summary.md");
  text.assign((std::istreambuf_iterator<char>(wmd)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("fault site"), std::string::npos) << text;
  EXPECT_EQ(text.find("ranges profiled on"), std::string::npos) << text;
}

}  // namespace
