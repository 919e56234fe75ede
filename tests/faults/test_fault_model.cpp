#include <gtest/gtest.h>

#include <limits>

#include "faults/fault_model.hpp"

namespace flipguard::faults {
namespace {

std::string parse_error(const std::string& spec) {
  try {
    FaultModel::parse(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(FaultModel, ParsesEveryKind) {
  const FaultModel ber = FaultModel::parse("ber:1e-4");
  EXPECT_EQ(ber.kind, FaultModelKind::kBitErrorRate);
  EXPECT_EQ(ber.rate, 1e-4);
  EXPECT_TRUE(ber.bit_positions.empty());

  EXPECT_EQ(FaultModel::parse("stuck0:1e-5").kind, FaultModelKind::kStuck0);
  EXPECT_EQ(FaultModel::parse("stuck1:0.25").rate, 0.25);

  EXPECT_EQ(FaultModel::parse("ber:1e-3@bits=7").bit_positions, std::vector<unsigned>{7});
  EXPECT_EQ(FaultModel::parse("ber:1e-4@bits=6,0-4").bit_positions,
            (std::vector<unsigned>{0, 1, 2, 3, 4, 6}));
  EXPECT_EQ(FaultModel::parse("stuck1:0@bits=3-3,3").bit_positions, std::vector<unsigned>{3});

  const FaultModel burst = FaultModel::parse("burst:1e-5:len=3");
  EXPECT_EQ(burst.kind, FaultModelKind::kBurst);
  EXPECT_EQ(burst.rate, 1e-5);
  EXPECT_EQ(burst.burst_length, 3u);

  const FaultModel target = FaultModel::parse("target:conv1.weight,12,7;4,0,0");
  EXPECT_EQ(target.kind, FaultModelKind::kTargeted);
  EXPECT_EQ(target.targets, (std::vector<BitTarget>{{"conv1.weight", {12}, 7}, {"4", {0}, 0}}));
  // An activation value's element: the dataset image, then its coordinates in the image.
  EXPECT_EQ(FaultModel::parse("target:relu1,7,3,2,1,30").targets,
            (std::vector<BitTarget>{{"relu1", {7, 3, 2, 1}, 30}}));
}

TEST(FaultModel, CanonicalStringReadsBackToTheSameModel) {
  for (const char* spec : {"ber:1e-4", "ber:1e-300@bits=0-4,6", "stuck0:1", "stuck1:0@bits=7",
                           "burst:0.3:len=64", "target:fc.weight,3,1;7,0,31", "ber:0.1@bits=0,2,4-6",
                           "target:/layer1/relu_output_0,4096,15,7,3,30;logits,0,9,31",
                           "single:", "single:value=-1,1", "single:value=0.25,3e38"}) {
    const FaultModel m = FaultModel::parse(spec);
    EXPECT_EQ(FaultModel::parse(m.to_string()), m) << spec;
    EXPECT_EQ(m.to_string(), spec);
  }
  EXPECT_EQ(FaultModel::parse("ber:0.0001").to_string(), "ber:1e-4");
  EXPECT_EQ(FaultModel::parse("ber:1e+0").to_string(), "ber:1");
  // The shortest round-trip form keeps every bit of the rate.
  FaultModel m;
  m.rate = 0.1 + 0.2;
  EXPECT_EQ(FaultModel::parse(m.to_string()).rate, 0.1 + 0.2);
}

TEST(FaultModel, RejectsBadRatesWithTheValue) {
  EXPECT_EQ(parse_error("ber:-1e-4"), "fault model 'ber:-1e-4': rate -1e-4 is not a probability in [0, 1]");
  EXPECT_EQ(parse_error("ber:1.5"), "fault model 'ber:1.5': rate 1.5 is not a probability in [0, 1]");
  EXPECT_EQ(parse_error("ber:nan"), "fault model 'ber:nan': rate nan is not a probability in [0, 1]");
  EXPECT_EQ(parse_error("ber:inf"), "fault model 'ber:inf': rate inf is not a probability in [0, 1]");
  EXPECT_EQ(parse_error("ber:abc"), "fault model 'ber:abc': rate 'abc' is not a number");
  EXPECT_EQ(parse_error("ber:1e-4x"), "fault model 'ber:1e-4x': rate '1e-4x' is not a number");
  EXPECT_EQ(parse_error("ber:"), "fault model 'ber:': rate '' is not a number");
}

TEST(FaultModel, RejectsMalformedSpecs) {
  EXPECT_NE(parse_error("ber").find("expected <kind>:<parameters>"), std::string::npos);
  EXPECT_NE(parse_error("zap:1e-4").find("unknown kind 'zap'"), std::string::npos);
  EXPECT_NE(parse_error("ber:1e-4@bit=3").find("unknown option '@bit=3'"), std::string::npos);
  EXPECT_NE(parse_error("ber:1e-4@bits=4-2").find("bit range '4-2' runs backwards"), std::string::npos);
  EXPECT_NE(parse_error("ber:1e-4@bits=64").find("bit position 64 is beyond 63"), std::string::npos);
  EXPECT_NE(parse_error("ber:1e-4@bits=1,,2").find("bit position '' is not"), std::string::npos);
  EXPECT_NE(parse_error("burst:1e-5").find("expected burst:<p>:len=<L>"), std::string::npos);
  EXPECT_NE(parse_error("burst:1e-5:len=0").find("burst length 0 is outside [1, 64]"), std::string::npos);
  EXPECT_NE(parse_error("burst:2:len=3").find("rate 2 is not a probability"), std::string::npos);
  EXPECT_NE(parse_error("target:conv1,3").find("target 'conv1,3' is not <tensor>,<element>,<bit>"),
            std::string::npos);
  EXPECT_NE(parse_error("target:conv1,x,3").find("element index 'x'"), std::string::npos);
  EXPECT_NE(parse_error("single:value=1").find("expected value=<lo>,<hi>"), std::string::npos);
  EXPECT_NE(parse_error("single:value=1,-1").find("value range [1, -1] is empty"), std::string::npos);
  EXPECT_NE(parse_error("single:value=0,inf").find("value 'inf' is not a finite number"), std::string::npos);
  EXPECT_NE(parse_error("single:bits=3").find("expected single or single@value=<lo>,<hi>"),
            std::string::npos);
  EXPECT_NE(parse_error("target:conv1,1,99").find("bit position 99 is beyond 63"), std::string::npos);
}

}  // namespace
}  // namespace flipguard::faults
