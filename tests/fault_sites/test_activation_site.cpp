// The activations site on a real executor: selecting values by name, node or regex; a configuration stores
// every selected value in its format on each write (fp16 rounds the logits' inputs, so they move a little),
// fp32 without faults changes nothing, and a configuration gone leaves the executor as it was, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/executor.hpp"
#include "fault_sites/activations/value_selection.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "support/test_paths.hpp"

namespace flipguard::fault_sites {
namespace {

struct Fixture {
  engine::Executor ex;
  std::vector<float> input, out;
  Fixture() : ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), options()) {
    input.resize(static_cast<std::size_t>(ex.batch() * ex.input_size()));
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0, 1);
    for (auto& x : input) x = normal(rng);
    out.resize(static_cast<std::size_t>(ex.batch() * ex.output_size()));
  }
  static engine::ExecutorOptions options() {
    engine::ExecutorOptions eo;
    eo.batch = 4;
    return eo;
  }
  std::vector<float> run() {
    ex.run(input.data(), ex.batch(), out.data());
    return out;
  }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(ActivationSite, SelectsByValueNodeOrRegex) {
  Fixture f;
  const auto written = f.ex.written_values();
  ASSERT_GT(written.size(), 10u);
  EXPECT_EQ(select_values(written, "all").size(), written.size());
  const auto& v = written[3];
  const auto by_name = select_values(written, v.name);
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].name, v.name);
  EXPECT_EQ(select_values(written, v.node).front().node, v.node);
  const auto relus = select_values(written, "Relu");
  EXPECT_FALSE(relus.empty());
  for (const auto& r : relus)
    EXPECT_TRUE(r.name.find("Relu") != std::string::npos || r.node.find("Relu") != std::string::npos);
  EXPECT_THROW(select_values(written, "^no such value$"), std::invalid_argument);
}

TEST(ActivationSite, Fp16StorageRoundsAndLeavingRestoresEveryBit) {
  Fixture f;
  const auto clean = f.run();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  {
    const auto fp32 = site->configure("fp32", "none");
    EXPECT_TRUE(same_bits(f.run(), clean)) << "fp32 storage without faults changed the logits";
  }
  {
    const auto fp16 = site->configure("fp16", "none");
    const auto rounded = f.run();
    EXPECT_FALSE(same_bits(rounded, clean)) << "fp16 storage rounded nothing";
    float scale = 0, diff = 0;
    for (std::size_t i = 0; i < clean.size(); ++i) {
      scale = std::max(scale, std::abs(clean[i]));
      diff = std::max(diff, std::abs(rounded[i] - clean[i]));
    }
    EXPECT_LT(diff, 0.05f * scale);  // rounding to fp16 moves the logits by well under 5 % of their scale
  }
  EXPECT_TRUE(same_bits(f.run(), clean)) << "a configuration left the executor changed";
}

TEST(ActivationSite, ATrialsFaultsEndWithItsRestore) {
  Fixture f;
  const auto clean = f.run();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto faults = site->configure("fp32", "none");
  const auto model = faults::FaultModel::parse("ber:1e-4");
  std::vector<std::size_t> images{10, 11, 12, 13};
  faults->inject({.model = model, .seed = 9, .trial = 0, .images = images});
  const auto faulty = f.run();
  const auto stats = faults->restore();
  EXPECT_GT(stats.flips, 0);
  EXPECT_FALSE(same_bits(faulty, clean));
  EXPECT_TRUE(same_bits(f.run(), clean)) << "faults outlived restore()";
  // The same trial again: the same faults, the same logits.
  faults->inject({.model = model, .seed = 9, .trial = 0, .images = images});
  EXPECT_TRUE(same_bits(f.run(), faulty));
  EXPECT_EQ(faults->restore().flips, stats.flips);
}

}  // namespace
}  // namespace flipguard::fault_sites
