// Inputs that crashed or misled the campaign's readers (found by fuzz/campaign_toml.cpp and
// fuzz/results_file.cpp): each must now be a clean error naming the file and the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "campaign/records/results_file.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "support/temp_files.hpp"

namespace fs = std::filesystem;
using flipguard::campaign::CampaignConfig;
using flipguard::campaign::ResultsFile;

namespace {

fs::path regression(const std::string& target, const std::string& name) {
  return fs::path(FLIPGUARD_SOURCE_DIR) / "fuzz" / "regressions" / target / name;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string toml_error(const std::string& text) {
  std::istringstream in(text);
  CampaignConfig c;
  return error_of([&] { c.load_toml(in, "c.toml"); });
}

TEST(FuzzRegressions, TomlLiteralStringWithInvalidUtf8IsAnError) {
  // toml11 3.7 read out of bounds while reporting invalid UTF-8 inside a 'literal string' (ASan found it).
  const fs::path p = regression("campaign_toml", "literal-string-invalid-utf8.toml");
  CampaignConfig c;
  const std::string msg = error_of([&] { c.load_toml(p.string()); });
  EXPECT_NE(msg.find(p.string() + ":1: not valid UTF-8 (byte 1)"), std::string::npos) << msg;
}

TEST(FuzzRegressions, TomlUtf8CheckNamesTheLineAndRejectsEveryMalformedForm) {
  EXPECT_NE(toml_error("model = \"a\"\ndata = '\xff'\n").find("c.toml:2: not valid UTF-8 (byte 20)"),
            std::string::npos);
  // Overlong '/', a UTF-16 surrogate, a code point past U+10FFFF, a lone continuation byte, a cut sequence.
  for (const std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xe2\x82"})
    EXPECT_NE(toml_error("model = '" + bad + "'\n").find("not valid UTF-8"), std::string::npos)
        << "accepted bytes of length " << bad.size();
}

TEST(FuzzRegressions, TomlUtf8CheckKeepsValidText) {
  // Two-, three- and four-byte characters, in a comment and in a value.
  std::istringstream in("# r\xc3\xa9sultats \xe2\x82\xac\nresults = 'r/\xf0\x9d\x84\x9e.jsonl'\n");
  CampaignConfig c;
  c.load_toml(in, "c.toml");
  EXPECT_EQ(c.results, "r/\xf0\x9d\x84\x9e.jsonl");
}

// Each regression file holds a bad record on line 1 and a real one on line 2.
std::string results_file_error(const std::string& name) {
  const fs::path tmp = flipguard::testing::scratch_path("regression-" + name);
  fs::copy_file(regression("results_file", name), tmp, fs::copy_options::overwrite_existing);
  const std::string msg = error_of([&] { ResultsFile f(tmp.string(), "adae40b5d1512b73"); });
  fs::remove(tmp);
  return msg;
}

TEST(FuzzRegressions, ResultsRecordWithACountOf1e300IsAnError) {
  // Converting 1e300 to an integer count was undefined behaviour (UBSan, float-cast-overflow).
  const std::string msg = results_file_error("top1-1e300.jsonl");
  EXPECT_NE(msg.find("regression-top1-1e300.jsonl:1: corrupt results record"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'top1' must be an integer, got 1e+300"), std::string::npos) << msg;
}

TEST(FuzzRegressions, ResultsRecordWithANegativeSeedIsAnError) {
  // -5 used to be read as the seed 18446744073709551611.
  const std::string msg = results_file_error("seed-negative.jsonl");
  EXPECT_NE(msg.find(":1: corrupt results record"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'seed' is out of range: -5"), std::string::npos) << msg;
}

TEST(FuzzRegressions, TomlIntegersThatDoNotFitAreErrorsNotWrapped) {
  // trials = 2^32 + 5 used to become 5 trials, seed = -1 the seed 2^64 - 1.
  EXPECT_NE(toml_error("trials = 4294967301\n").find("c.toml: 'trials' = 4294967301 is out of range"),
            std::string::npos);
  EXPECT_NE(toml_error("seed = -1\n").find("c.toml: 'seed' = -1 is out of range"), std::string::npos);
  EXPECT_NE(
      toml_error("batch = -9223372036854775808\n").find("'batch' = -9223372036854775808 is out of range"),
      std::string::npos);
  std::istringstream in("seed = 9223372036854775807\ntrials = 3\n");
  CampaignConfig c;
  c.load_toml(in, "c.toml");
  EXPECT_EQ(c.seed, 9223372036854775807u);
  EXPECT_EQ(c.trials, 3);
}

}  // namespace
