// The trial record's field table: every committed results file reads and writes back line for line (the
// records of today's runs are the same bytes as before the table), every optional part of a record survives a
// round trip, and the one results parser applies the same rules for resume, merge and report.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "campaign/records/results_file.hpp"
#include "campaign/records/trial_record_json.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using namespace flipguard;
using namespace flipguard::campaign;

namespace {

TrialRecord full_record() {
  TrialRecord r;
  r.campaign = "c0ffee";
  r.model = "m";
  r.data = "d";
  r.images = 64;
  r.format = "q2.5";
  r.protection = "scale+ecc72";
  r.ber = 1e-4;
  r.seed = 18446744073709551615ull;
  r.trial = 7;
  r.tensors = "all";
  r.top1 = 30;
  r.top5 = 50;
  r.has_sdc = true;
  r.sdc1 = 20;
  r.sdc5 = 10;
  r.logit_max_abs = 3.5;
  r.logit_rel_l2 = std::numeric_limits<double>::infinity();
  r.critical_faults = 2;
  r.critical_words = 900;
  r.early_stopped = true;
  r.start_layer = 3;
  r.adaptive = {.ci_target = 2.5,
                .min_trials = 8,
                .max_trials = 64,
                .wave = 8,
                .interval = stats::IntervalMethod::betting,
                .metric = parse_metric("sdc1")};
  r.design_images = 16;
  r.design_round = 2;
  r.design_batch = 8;
  r.stratum = 1;
  r.stratum_lo = 2;
  r.stratum_hi = -1;
  r.site = "activations";
  r.calibration = "64 images of d after the 64 evaluated (stratified order, disjoint)";
  r.value_node = "/layer1/layer1.0/Relu";
  r.value_op = "Relu";
  r.value_elements = 16384;
  r.flips = 120;
  r.second_site = "weights";
  r.second_tensors = "conv.*";
  r.second_format = "int8";
  r.second_protection = "ecc72";
  r.second_fault_model = "ber:0.001";
  r.second_flips = 40;
  return r;
}

}  // namespace

TEST(TrialRecordJson, CommittedResultsFilesWriteBackLineForLine) {
  const fs::path root(FLIPGUARD_SOURCE_DIR);
  std::int64_t lines = 0;
  for (const auto& folder : {root / "results", root / "tests" / "campaign" / "data"}) {
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.path().extension() != ".jsonl") continue;
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) {
        const auto original = nlohmann::json::parse(line);
        // Files written before a field existed lack it; today's records carry every always-written key.
        if (!original.contains("images_skipped") || !original.contains("critical_words")) continue;
        ASSERT_EQ(to_json_line(original.get<TrialRecord>()), original.dump()) << entry.path() << ": " << line;
        ++lines;
      }
    }
  }
  EXPECT_GT(lines, 1000);
}

TEST(TrialRecordJson, EveryOptionalPartSurvivesARoundTrip) {
  const TrialRecord r = full_record();
  const auto j = nlohmann::json(r);
  EXPECT_TRUE(j.at("logit_rel_l2").is_null());
  EXPECT_EQ(j.at("adaptive").at("metric"), "sdc1");
  EXPECT_EQ(j.at("interval"), "betting");
  EXPECT_EQ(j.at("design").at("stratum").at("hi"), -1);
  EXPECT_FALSE(j.contains("labelled"));
  EXPECT_FALSE(j.contains("reused"));
  EXPECT_EQ(j.at("site"), "activations");
  EXPECT_EQ(j.at("value").at("elements_per_image"), 16384);
  EXPECT_EQ(j.at("second").at("site"), "weights");
  EXPECT_EQ(j.at("second").at("flips"), 40);
  const auto back = j.get<TrialRecord>();
  EXPECT_EQ(to_json_line(back), to_json_line(r));
  EXPECT_TRUE(std::isinf(back.logit_rel_l2));
  EXPECT_EQ(back.adaptive, r.adaptive);
  EXPECT_EQ(back.seed, r.seed);

  TrialRecord unlabelled = r;
  unlabelled.labelled = false;
  unlabelled.top1 = unlabelled.top5 = 0;
  unlabelled.design_images = 0;  // no design: none of its fields are written
  const auto u = nlohmann::json(unlabelled);
  EXPECT_EQ(u.at("labelled"), false);
  EXPECT_FALSE(u.contains("top1"));
  EXPECT_FALSE(u.contains("design"));
  const auto read = u.get<TrialRecord>();
  EXPECT_FALSE(read.labelled);
  EXPECT_EQ(read.value_op, "Relu");
  EXPECT_EQ(read.stratum, -1);  // the record's default when its group is absent
  EXPECT_EQ(to_json_line(read), to_json_line(unlabelled));
}

TEST(TrialRecordJson, AbsentFieldsReadAsTheirDocumentedDefaults) {
  auto j = nlohmann::json(full_record());
  for (const char* key : {"interval", "t", "images_skipped", "critical_faults", "critical_words", "site",
                          "calibration", "value", "second"})
    j.erase(key);
  j.at("adaptive").erase("metric");
  j.at("design").erase("batch");
  const auto r = j.get<TrialRecord>();
  EXPECT_EQ(r.adaptive.interval,
            stats::IntervalMethod::student_t);  // cells of older files were stopped with t
  EXPECT_EQ(r.adaptive.metric, Metric::top1);
  EXPECT_EQ(r.design_batch, 1);
  EXPECT_EQ(r.critical_words, 0);
  EXPECT_EQ(r.site, "weights");  // records of the stored-weights site name none
  EXPECT_EQ(r.calibration, "");
  EXPECT_EQ(r.value_node, "");
  EXPECT_EQ(r.second_site, "");
  EXPECT_EQ(r.second_flips, 0);
  // ... and a record at those defaults writes none of them (its bytes are those of earlier versions).
  const auto written = nlohmann::json(r);
  for (const char* key : {"site", "calibration", "value", "second"})
    EXPECT_FALSE(written.contains(key)) << key;
  // A value without its node or size is no value.
  auto bad = nlohmann::json(full_record());
  bad["value"]["elements_per_image"] = 0;
  EXPECT_THROW((void)bad.get<TrialRecord>(), std::runtime_error);
  // A second site's flips are part of the trial's; it is never the first site; the clean cell's has no
  // fault model (the key is then absent).
  for (const auto& [key, value] : {std::pair{"flips", nlohmann::json(121)}, {"site", "activations"}}) {
    auto second = nlohmann::json(full_record());
    second["second"][key] = value;
    EXPECT_THROW((void)second.get<TrialRecord>(), std::runtime_error) << key;
  }
  auto clean_second = nlohmann::json(full_record());
  clean_second["second"].erase("fault_model");
  EXPECT_EQ(clean_second.get<TrialRecord>().second_fault_model, "");
  // Inside a present object a field without a default is required.
  j.at("adaptive").erase("wave");
  EXPECT_THROW((void)j.get<TrialRecord>(), std::exception);
  // Unlabelled records must not carry counts of labels.
  auto u = nlohmann::json(full_record());
  u["labelled"] = false;
  EXPECT_THROW((void)u.get<TrialRecord>(), std::runtime_error);
}

TEST(TrialRecordJson, IntegersInNestedObjectsAreReadStrictly) {
  auto j = nlohmann::json(full_record());
  j["adaptive"]["wave"] = 2.5;
  try {
    (void)j.get<TrialRecord>();
    FAIL() << "read a wave of 2.5";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("field 'wave' must be an integer"), std::string::npos) << e.what();
  }
}

TEST(ResultsParser, OneSetOfRulesForEveryReader) {
  const std::string a = to_json_line(full_record());
  TrialRecord second = full_record();
  second.trial = 8;
  const std::string b = to_json_line(second);
  // Blank lines at the end are ignored, and not counted as valid bytes (a resume cuts them).
  auto p = parse_results_text(a + "\n" + b + "\n\n \n", "r.jsonl");
  EXPECT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.valid_bytes, a.size() + b.size() + 2);
  EXPECT_EQ(p.lines, (std::vector<int>{1, 2}));
  EXPECT_TRUE(p.warning.empty());
  // A blank line between records is damage, not a gap to skip.
  try {
    parse_results_text(a + "\n\n" + b + "\n", "r.jsonl");
    FAIL() << "a blank line between records was accepted";
  } catch (const ResultsParseError& e) {
    EXPECT_EQ(e.kind, ResultsParseError::Kind::corrupt);
    EXPECT_EQ(e.line, 2);
  }
  // The same trial twice is refused, naming both lines.
  try {
    parse_results_text(a + "\n" + b + "\n" + a + "\n", "r.jsonl");
    FAIL() << "a repeated trial was accepted";
  } catch (const ResultsParseError& e) {
    EXPECT_EQ(e.kind, ResultsParseError::Kind::repeated_trial);
    EXPECT_EQ(e.line, 3);
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
  // Records of two campaigns in one file are refused even when no campaign is asked for (merge's inputs).
  TrialRecord other = second;
  other.campaign = "other";
  try {
    parse_results_text(a + "\n" + to_json_line(other) + "\n", "r.jsonl");
    FAIL() << "mixed campaigns were accepted";
  } catch (const ResultsParseError& e) {
    EXPECT_EQ(e.kind, ResultsParseError::Kind::other_campaign);
    EXPECT_NE(std::string(e.what()).find("several campaigns"), std::string::npos) << e.what();
  }
  // A valid last line without its end of line is a write cut short: dropped, with the line named.
  p = parse_results_text(a + "\n" + b, "r.jsonl");
  EXPECT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.dropped_line, 2);
  EXPECT_NE(p.warning.find("r.jsonl:2: partial last record dropped"), std::string::npos) << p.warning;
}

// The writer refuses a record its reader would refuse, so a results file never holds a line it cannot read.
TEST(ResultsFileAppend, ARecordThatWouldNotReadBackIsNotWritten) {
  const auto path = flipguard::testing::scratch_path("unreadable.jsonl");
  std::filesystem::remove(path);
  TrialRecord r = full_record();
  {
    ResultsFile file(path.string(), r.campaign);
    file.append(r);
    TrialRecord bad = r;
    bad.trial = 8;
    bad.sdc5 = bad.sdc1 + 1;  // SDC-5 without SDC-1: refused by the reader
    try {
      file.append(bad);
      ADD_FAILURE() << "an unreadable record was written";
    } catch (const std::logic_error& e) {
      EXPECT_NE(std::string(e.what()).find("would not read back"), std::string::npos) << e.what();
    }
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 1);
}
