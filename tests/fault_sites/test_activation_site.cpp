// The activations site on a real executor: selecting values by name, node or regex; a configuration stores
// every selected value in its format on each write (fp16 rounds the logits' inputs, so they move a little),
// fp32 without faults changes nothing, and a configuration gone leaves the executor as it was, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "fault_sites/activations/value_selection.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "memory/fp16.hpp"
#include "model/onnx_loader.hpp"
#include "support/resnet20_executor.hpp"
#include "support/test_paths.hpp"

namespace flipguard::fault_sites {
namespace {

using Fixture = flipguard::testing::ResNet20Executor;
using flipguard::testing::same_bits;

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

// Replays a logged fault list: sets each logged word's value at its element when its value is written.
class Replay final : public engine::ValueHook {
 public:
  Replay(std::vector<std::string> names, const std::vector<ElementFault>& log,
         const std::vector<std::size_t>& images)
      : names_(std::move(names)) {
    for (const auto& f : log) {
      std::size_t row = 0;
      while (images[row] != f.image) ++row;
      by_value_[f.value].push_back({row, f.element, f.after});
    }
  }
  void run_started(int) override {}
  void value_written(int value, engine::ValueView& view, bool) override {
    for (const auto& [row, element, after] : by_value_[names_[static_cast<std::size_t>(value)]])
      view.set(static_cast<int>(row), element, after);
  }

 private:
  struct Set {
    std::size_t row;
    std::int64_t element;
    float after;
  };
  std::vector<std::string> names_;
  std::map<std::string, std::vector<Set>> by_value_;
};

TEST(ActivationSite, TheFaultLogReplaysTheTrialExactly) {
  Fixture f;
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto faults = site->configure("fp32", "none");
  std::vector<ElementFault> log;
  std::vector<std::string> names;  // the values the replaying hook is armed for
  ASSERT_TRUE(faults->log_faults([&log](const ElementFault& e) { log.push_back(e); }));
  const auto model = faults::FaultModel::parse("ber:3e-5");
  const std::vector<std::size_t> images{40, 41, 42, 43};
  faults->inject({.model = model, .seed = 2, .trial = 5, .images = images});
  const auto faulty = f.run();
  const auto stats = faults->restore();
  ASSERT_GT(log.size(), 5u);
  EXPECT_EQ(static_cast<std::int64_t>(log.size()), stats.changed_weights);
  for (const auto& e : log) EXPECT_NE(e.word_before, e.word_after);

  // The same outputs from the list alone, applied by a hook of the test's own on the fault-free executor.
  for (const auto& v : f.ex.written_values()) names.push_back(v.name);
  Replay replay(names, log, images);
  f.ex.arm_value_hook(&replay, names);
  const auto replayed = f.run();
  f.ex.arm_value_hook(nullptr, {});
  EXPECT_TRUE(same_bits(replayed, faulty)) << "the logged faults do not reproduce the trial";
}

// The smallest element of each armed value in a run.
class MinimumHook final : public engine::ValueHook {
 public:
  void run_started(int) override {}
  void value_written(int value, engine::ValueView& view, bool) override {
    auto& m = minimum[static_cast<std::size_t>(value)];
    for (int r = 0; r < view.images(); ++r)
      for (std::int64_t i = 0; i < view.elements_per_image(); ++i) m = std::min(m, view.get(r, i));
  }
  std::vector<float> minimum;
};

TEST(ActivationSite, AnUnfusedConvWritesItsPreActivationValueAndTheLogitsStayTheSame) {
  Fixture fused;
  engine::ExecutorOptions eo = Fixture::options();
  eo.unfused = "^/layer1/layer1.0/conv1/Conv$";  // by its node's name
  engine::Executor ex(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()), eo);
  const auto before = fused.ex.written_values(), after = ex.written_values();
  ASSERT_EQ(after.size(), before.size() + 1);
  const auto pre = std::find_if(after.begin(), after.end(),
                                [](const auto& v) { return v.node == "/layer1/layer1.0/conv1/Conv"; });
  ASSERT_NE(pre, after.end());
  EXPECT_EQ(pre->op, "Conv");
  std::vector<float> out(fused.out.size());
  ex.run(fused.input.data(), ex.batch(), out.data());
  EXPECT_TRUE(same_bits(out, fused.run())) << "keeping a Relu apart changed the logits";
  // The kept value is before its Relu (it has negative elements), the Relu's output after it (none).
  MinimumHook hook;
  const std::vector<std::string> names{pre->name, std::next(pre)->name};
  ASSERT_EQ(std::next(pre)->op, "Relu");
  hook.minimum.assign(2, std::numeric_limits<float>::infinity());
  ex.arm_value_hook(&hook, names);
  ex.run(fused.input.data(), ex.batch(), out.data());
  ex.arm_value_hook(nullptr, {});
  EXPECT_LT(hook.minimum[0], 0.0f);
  EXPECT_EQ(hook.minimum[1], 0.0f);
  // The site selects it like any written value.
  const auto site = fault_site_type("activations").select(ex, pre->name);
  ASSERT_EQ(site->targets(), std::vector<std::string>{pre->name});
  EXPECT_THROW(
      engine::Executor(model::load_onnx((flipguard::testing::models_dir() / "resnet20.onnx").string()),
                       [] {
                         engine::ExecutorOptions bad;
                         bad.unfused = "([";
                         return bad;
                       }()),
      std::invalid_argument);
}

TEST(ActivationSite, SingleRandomValuePutsOneUniformValuePerImageInTheStoredFormat) {
  Fixture f;
  const auto site = fault_site_type("activations").select(f.ex, "all");
  for (const char* format : {"fp32", "fp16"}) {
    const auto faults = site->configure(format, "none");
    std::vector<float> afters;
    std::map<std::uint64_t, int> per_image;
    ASSERT_TRUE(faults->log_faults([&](const ElementFault& e) {
      afters.push_back(e.after);
      ++per_image[e.image];
    }));
    const auto model = faults::FaultModel::parse("single:value=-1,3");
    constexpr int kTrials = 60;
    for (int t = 0; t < kTrials; ++t) {
      std::vector<std::size_t> images(4);
      for (std::size_t i = 0; i < images.size(); ++i) images[i] = 4 * static_cast<std::size_t>(t) + i;
      faults->inject({.model = model, .seed = 7, .trial = static_cast<std::uint64_t>(t), .images = images});
      f.run();
      EXPECT_LE(faults->restore().changed_weights, 4);
    }
    faults->log_faults({});
    // One element per image (an image may keep its word when the value equals it, which a uniform draw
    // almost never does), its value in the range and, in fp16, a half-precision value.
    EXPECT_EQ(per_image.size(), 4u * kTrials) << format;
    for (const auto& [image, n] : per_image) EXPECT_EQ(n, 1) << format << " image " << image;
    std::vector<int> bins(8, 0);
    for (const float a : afters) {
      ASSERT_TRUE(a >= -1.0f && a <= 3.0f) << a;
      if (std::string(format) == "fp16") {
        EXPECT_EQ(a, memory::fp16_to_fp32(memory::fp32_to_fp16(a))) << a;
      }
      ++bins[std::min(7, static_cast<int>((a + 1.0f) * 2.0f))];
    }
    // Uniform over [-1, 3] in 8 bins: chi-square with 7 degrees of freedom.
    double chi2 = 0;
    const double expected = static_cast<double>(afters.size()) / 8;
    for (const int b : bins) chi2 += (b - expected) * (b - expected) / expected;
    EXPECT_LT(chi2, 29.9) << format;  // the 99.99th percentile of chi-square(7)
  }
}

TEST(ActivationSite, TargetedFlipsHitTheNamedElementOfTheNamedImageOnly) {
  Fixture f;
  const auto clean = f.run();
  const auto written = f.ex.written_values();
  const auto& relu = written[2];  // a [N, 16, 32, 32] feature map
  ASSERT_EQ(relu.dims.size(), 4u);
  ASSERT_EQ(written.back().name, "logits");
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto faults = site->configure("fp32", "none");
  std::vector<ElementFault> log;
  ASSERT_TRUE(faults->log_faults([&log](const ElementFault& e) { log.push_back(e); }));
  // Image 11 at (c, h, w) = (3, 4, 5) of the feature map, and image 13's logit 7 by flat index (its sign).
  const auto model = faults::FaultModel::parse("target:" + relu.name + ",11,3,4,5,30;logits,13,7,31");
  site->check_targets(model);
  const std::vector<std::size_t> images{10, 11, 12, 13};
  faults->inject({.model = model, .seed = 1, .trial = 0, .images = images});
  const auto faulty = f.run();
  EXPECT_EQ(faults->restore().flips, 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].value, relu.name);
  EXPECT_EQ(log[0].image, 11u);
  EXPECT_EQ(log[0].element, (3 * relu.dims[2] + 4) * relu.dims[3] + 5);
  EXPECT_EQ(log[0].word_before ^ log[0].word_after, 1u << 30);
  EXPECT_EQ(log[1].image, 13u);
  EXPECT_EQ(log[1].element, 7);
  const auto n = static_cast<std::size_t>(f.ex.output_size());
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(faulty[i], clean[i]) << "image 10 has no target";
    EXPECT_EQ(faulty[2 * n + i], clean[2 * n + i]) << "image 12 has no target";
    EXPECT_EQ(faulty[3 * n + i], i == 7 ? -clean[3 * n + i] : clean[3 * n + i]) << "image 13, logit " << i;
  }
  // A target on an image the run does not evaluate changes nothing.
  faults->inject(
      {.model = faults::FaultModel::parse("target:logits,7,0,31"), .seed = 1, .trial = 0, .images = images});
  EXPECT_TRUE(same_bits(f.run(), clean));
  EXPECT_EQ(faults->restore().flips, 0);
  log.clear();
  // The same targets in another trial (and another seed): the same logits.
  faults->inject({.model = model, .seed = 8, .trial = 3, .images = images});
  EXPECT_TRUE(same_bits(f.run(), faulty));
  faults->restore();

  const auto refused = [&](const std::string& spec, const std::string& words) {
    try {
      const auto m = faults::FaultModel::parse(spec);
      site->check_targets(m);
      faults->inject({.model = m, .seed = 1, .trial = 0, .images = images});
      faults->restore();
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused("target:" + relu.name + ",11,16,0,0,1", "coordinate 1 (16) is past its extent 16");
  refused("target:" + relu.name + ",11,3,4,1", "give the image, then 3 coordinates or one flat index");
  refused("target:" + relu.name + ",11,16384,1", "element 16384 is past its 16384 elements per image");
  refused("target:no_such_value,11,0,1", "names no faulted activation value");
  refused("target:logits,11,3,1;logits,11,3,1", "names a bit another target names");
  refused("target:logits,11,0", "an activation target is <value>,<image>,<coordinates...>,<bit>");
  const auto fp16 = site->configure("fp16", "none");
  try {
    fp16->inject({.model = faults::FaultModel::parse("target:logits,11,0,20"),
                  .seed = 1,
                  .trial = 0,
                  .images = images});
    ADD_FAILURE() << "bit 20 of an fp16 word was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bit 20 is past the 16-bit stored word"), std::string::npos);
  }
}

TEST(ActivationSite, SingleFlipsExactlyOneBitPerImageAValueInProportionToItsSize) {
  Fixture f;
  const auto written = f.ex.written_values();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto faults = site->configure("fp32", "none");
  std::map<std::string, std::int64_t> hits;
  std::vector<std::int64_t> by_bit(32, 0);
  ASSERT_TRUE(faults->log_faults([&](const ElementFault& e) {
    ++hits[e.value];
    for (unsigned b = 0; b < 32; ++b) by_bit[b] += (e.word_before ^ e.word_after) >> b & 1u;
  }));
  const auto single = faults::FaultModel::parse("single:");
  constexpr int kTrials = 300;
  std::vector<std::size_t> images(4);
  for (int t = 0; t < kTrials; ++t) {
    for (std::size_t i = 0; i < images.size(); ++i) images[i] = 4 * static_cast<std::size_t>(t) + i;
    faults->inject({.model = single, .seed = 3, .trial = static_cast<std::uint64_t>(t), .images = images});
    f.run();
    ASSERT_EQ(faults->restore().flips, 4) << "trial " << t << ": not one flip per image";
  }
  // Values grouped by size (ResNet-20's stages: 16x32x32, 32x16x16, 64x8x8, and the pooled/logit values):
  // the hits of each group against its share of the bits, chi-square with 3 degrees of freedom.
  std::map<std::int64_t, double> bits_of_size, hits_of_size;
  double total_bits = 0;
  for (const auto& v : written) {
    const std::int64_t n = v.elements_per_image();
    const std::int64_t group = n >= 4096 ? n : 0;
    bits_of_size[group] += static_cast<double>(n);
    hits_of_size[group] += static_cast<double>(hits[v.name]);
    total_bits += static_cast<double>(n);
  }
  ASSERT_EQ(bits_of_size.size(), 4u);
  double chi2 = 0;
  for (const auto& [group, bits] : bits_of_size) {
    const double expected = 4.0 * kTrials * bits / total_bits;
    chi2 += (hits_of_size[group] - expected) * (hits_of_size[group] - expected) / expected;
  }
  EXPECT_LT(chi2, 21.1);  // the 99.99th percentile of chi-square(3)
  double bit_chi2 = 0;
  for (auto c : by_bit)
    bit_chi2 += (c - 4.0 * kTrials / 32) * (c - 4.0 * kTrials / 32) / (4.0 * kTrials / 32);
  EXPECT_LT(bit_chi2, 66.0);  // chi-square(31)
  // Stored weights take faults once per trial: one per image means nothing there.
  EXPECT_THROW(fault_site_type("weights").select(f.ex, "all")->check_targets(single), std::invalid_argument);
}

}  // namespace
}  // namespace flipguard::fault_sites
