#include <gtest/gtest.h>

#include <sstream>

#include "report/report_error.hpp"
#include "report/results_reader.hpp"
#include "synthetic_results.hpp"

using namespace flipguard;
using flipguard::report::ReportError;

namespace {

std::string error_of(const std::string& text, const std::string& name = "runs/c.jsonl") {
  std::istringstream in(text);
  try {
    report::read_results(in, name);
  } catch (const ReportError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ResultsReader, ReadsEveryRecordInOrder) {
  const auto records = test::Synthetic{}.records();
  std::istringstream in(test::to_jsonl(records));
  const auto got = report::read_results(in, "c.jsonl");
  ASSERT_EQ(got.records.size(), records.size());
  EXPECT_TRUE(got.warnings.empty());
  for (std::size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(got.records[i].record_key(), records[i].record_key());
  EXPECT_EQ(got.records[7].top1, records[7].top1);
}

TEST(ResultsReader, TruncatedLastLineIsIgnoredWithAWarningNamingFileAndLine) {
  const auto records = test::Synthetic{}.records();
  std::string text = test::to_jsonl({records[0], records[1], records[2]});
  const std::string last = nlohmann::json(records[3]).dump();
  text += last.substr(0, last.size() / 2) + "\n\n";  // a kill mid-write, then blank lines
  std::istringstream in(text);
  const auto got = report::read_results(in, "runs/c.jsonl");
  EXPECT_EQ(got.records.size(), 3u);
  ASSERT_EQ(got.warnings.size(), 1u);
  EXPECT_NE(got.warnings[0].find("runs/c.jsonl:4"), std::string::npos) << got.warnings[0];
  EXPECT_NE(got.warnings[0].find("last line"), std::string::npos) << got.warnings[0];
}

TEST(ResultsReader, CorruptMiddleLineIsAnErrorNamingFileAndLine) {
  const auto records = test::Synthetic{}.records();
  const std::string good = test::to_jsonl({records[0], records[1]});
  const std::string e = error_of(good + "{\"version\": 1, \"campaign\": \n" + test::to_jsonl({records[2]}));
  EXPECT_NE(e.find("runs/c.jsonl:3"), std::string::npos) << e;
  EXPECT_NE(e.find("corrupt"), std::string::npos) << e;
  // A well-formed JSON line missing fields is as corrupt as a torn one.
  const std::string e2 = error_of(good + "{\"version\": 1}\n" + test::to_jsonl({records[2]}));
  EXPECT_NE(e2.find("runs/c.jsonl:3"), std::string::npos) << e2;
}

TEST(ResultsReader, MixedCampaignsAreAnErrorNamingFileAndLine) {
  auto records = test::Synthetic{}.records();
  records[4].campaign = "other";
  const std::string e = error_of(test::to_jsonl({records.begin(), records.begin() + 8}));
  EXPECT_NE(e.find("runs/c.jsonl:5"), std::string::npos) << e;
  EXPECT_NE(e.find("'other'"), std::string::npos) << e;
  EXPECT_NE(e.find("several campaigns"), std::string::npos) << e;
}

TEST(ResultsReader, RepeatedTrialAndEmptyFileAreErrors) {
  const auto records = test::Synthetic{}.records();
  const std::string e = error_of(test::to_jsonl({records[0], records[1], records[1], records[2]}));
  EXPECT_NE(e.find("runs/c.jsonl:3"), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(error_of("\n\n").find("no trial records"), std::string::npos);
  const std::string missing = (test::fresh_dir("reader") / "absent.jsonl").string();
  try {
    report::read_results(std::filesystem::path(missing));
    FAIL() << "no error for a missing file";
  } catch (const ReportError& err) {
    EXPECT_NE(std::string(err.what()).find(missing), std::string::npos) << err.what();
  }
}
