// Results files that misled the report's reader (see fuzz/results_reader.cpp): clean errors naming the
// file, the line and the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "report/report_error.hpp"
#include "report/results_reader.hpp"

namespace fs = std::filesystem;

namespace {

std::string error_of(const std::string& name) {
  const fs::path p = fs::path(FLIPGUARD_SOURCE_DIR) / "fuzz" / "regressions" / "results_reader" / name;
  try {
    flipguard::report::read_results(p);
  } catch (const flipguard::report::ReportError& e) {
    return e.what();
  }
  return "";
}

TEST(FuzzRegressions, CountOf1e300IsRejectedNotConverted) {
  const std::string msg = error_of("top1-1e300.jsonl");
  EXPECT_NE(msg.find("top1-1e300.jsonl:1: corrupt results line"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'top1' must be an integer, got 1e+300"), std::string::npos) << msg;
}

TEST(FuzzRegressions, NegativeSeedIsRejectedNotWrapped) {
  const std::string msg = error_of("seed-negative.jsonl");
  EXPECT_NE(msg.find("seed-negative.jsonl:1: corrupt results line"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field 'seed' is out of range: -5"), std::string::npos) << msg;
}

TEST(FuzzRegressions, FractionalCountIsRejectedNotTruncated) {
  std::istringstream in(
      "{\"version\":1,\"campaign\":\"c\",\"model\":\"m\",\"model_sha256\":\"\",\"data\":\"d\",\"data_hash\":"
      "\"\","
      "\"images\":10,\"format\":\"fp32\",\"protection\":\"none\",\"memory_overhead\":0,\"ber\":0,"
      "\"fault_model\":\"ber:0\",\"seed\":1,\"trial\":0,\"tensors\":\"all\",\"flips\":0,\"changed_weights\":"
      "0,"
      "\"top1\":5.5,\"top5\":9,\"non_finite\":0,\"ecc_corrected\":0,\"ecc_detected\":0,\"seconds_faults\":0,"
      "\"seconds_inference\":0}\n\n{}\n");
  try {
    flipguard::report::read_results(in, "r.jsonl");
    FAIL() << "read a count of 5.5";
  } catch (const flipguard::report::ReportError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "r.jsonl:1: corrupt results line (field 'top1' must be an integer, got 5.5)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
