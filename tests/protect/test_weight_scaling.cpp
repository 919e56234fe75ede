// Weight scaling: fault-free reads return the weights up to format rounding, per-channel factors, and the
// paper's error-magnitude claims measured by flipping stored bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"
#include "protect/protected_tensor.hpp"
#include "protect/weight_scaling.hpp"

namespace flipguard::protect {
namespace {

// Gaussian weights rescaled so that max|w| is exactly `max_abs`.
std::vector<float> weights(std::size_t n, float max_abs, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  for (float& x : v) x = x / m * max_abs;
  return v;
}

TEST(WeightScaling, DefaultTargets) {
  EXPECT_EQ(default_scale_target(memory::Format::fixed(2, 5)), 127.0f / 32.0f);
  EXPECT_EQ(default_scale_target(memory::Format::fixed(7, 8)), 32767.0f / 256.0f);
  EXPECT_EQ(default_scale_target(memory::Format::fp32()), std::nextafter(2.0f, 0.0f));
  EXPECT_EQ(default_scale_target(memory::Format::fp16()), 2.0f - 0x1p-10f);
  EXPECT_EQ(default_scale_target(memory::Format::bf16()), 2.0f - 0x1p-7f);
  // Each float target is the largest value of its format below 2: the next pattern up is 2.
  EXPECT_EQ(memory::fp16_to_fp32(memory::fp32_to_fp16(default_scale_target(memory::Format::fp16())) + 1),
            2.0f);
  EXPECT_EQ(memory::bf16_to_fp32(memory::fp32_to_bf16(default_scale_target(memory::Format::bf16())) + 1),
            2.0f);
}

TEST(WeightScaling, FactorsNeverLiftTheLargestWeightPastT) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(1e-4f, 10.0f);
  for (int i = 0; i < 10000; ++i) {
    const float w[] = {u(rng), -u(rng)};
    const float t = u(rng);
    const float c = scaling_factors(w, 1, Granularity::per_tensor, t)[0];
    const float m = std::max(std::fabs(w[0]), std::fabs(w[1]));
    ASSERT_LE(m * c, t);
    ASSERT_NEAR(m * c, t, t * 1e-6f);
  }
  EXPECT_THROW(scaling_factors(std::vector<float>{1.0f}, 1, Granularity::per_tensor, 0.0f),
               std::invalid_argument);
  EXPECT_THROW(scaling_factors(std::vector<float>{1.0f, 2.0f, 3.0f}, 2, Granularity::per_channel, 1.0f),
               std::invalid_argument);
  EXPECT_EQ(scaling_factors(std::vector<float>{0.0f, 0.0f}, 1, Granularity::per_tensor, 3.0f)[0], 1.0f);
}

TEST(WeightScaling, FaultFreeReadIsTheWeightUpToFormatRounding) {
  const auto w = weights(4096, 0.3f, 1);
  const ProtectionSpec spec = ProtectionSpec::parse("scale");
  for (const char* fs : {"fp32", "fp16", "bf16", "q2.5", "q3.4", "q7.8", "int8"}) {
    const memory::Format f = memory::Format::parse(fs);
    const ProtectedTensor t(spec, f, w);
    const float c = t.scale_factor(0);
    const auto r = t.read_all();
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double a = std::fabs(w[i]);
      double bound = 3 * 0x1p-24 * a;  // fp32 rounding of w*c and of the division
      if (f.is_fixed()) bound += std::ldexp(0.5, -static_cast<int>(f.fixed_point().frac_bits())) / c;
      if (f == memory::Format::fp16())
        bound += 0x1p-11 * a + 0x1p-25 / c;  // half ulp relative, or subnormal step
      if (f == memory::Format::bf16()) bound += 0x1p-8 * a;
      if (f.is_int8()) bound += 0.5 * 0.3 / 127 * 1.0001;
      ASSERT_LE(std::fabs(r[i] - w[i]), bound) << fs << " element " << i;
    }
    if (f.is_int8()) {
      EXPECT_EQ(c, 1.0f);  // a no-op there
    }
  }
}

TEST(WeightScaling, ScalingShrinksQ25RoundingByC) {
  // Without scaling Q2.5 rounds 0.3-sized weights to 1/64; with t = 3.96875 the step is 1/64/c.
  const auto w = weights(4096, 0.3f, 2);
  const ProtectedTensor plain(ProtectionSpec{}, memory::Format::fixed(2, 5), w);
  const ProtectedTensor scaled(ProtectionSpec::parse("scale"), memory::Format::fixed(2, 5), w);
  double ep = 0, es = 0;
  const auto rp = plain.read_all(), rs = scaled.read_all();
  for (std::size_t i = 0; i < w.size(); ++i)
    ep = std::max<double>(ep, std::fabs(rp[i] - w[i])), es = std::max<double>(es, std::fabs(rs[i] - w[i]));
  EXPECT_LE(ep, 1.0 / 64 + 1e-7);
  EXPECT_GT(ep, 0.9 / 64);
  EXPECT_LE(es, 1.0 / 64 / scaled.scale_factor(0) + 1e-7);
}

TEST(WeightScaling, PerChannelFactorsFollowEachChannelsMax) {
  // Channel 0 tiny, channel 1 large: one factor would leave channel 0 at a few Q2.5 steps.
  auto w = weights(512, 0.01f, 3);
  const auto big = weights(512, 1.0f, 4);
  w.insert(w.end(), big.begin(), big.end());
  const ProtectedTensor pc(ProtectionSpec::parse("scale-channel"), memory::Format::fixed(2, 5), w, 2);
  const ProtectedTensor pt(ProtectionSpec::parse("scale"), memory::Format::fixed(2, 5), w, 2);
  ASSERT_EQ(pc.scale_factors().size(), 2u);
  EXPECT_NEAR(pc.scale_factors()[0], 3.96875 / 0.01, 1e-3);
  EXPECT_NEAR(pc.scale_factors()[1], 3.96875 / 1.0, 1e-5);
  EXPECT_EQ(pt.scale_factors().size(), 1u);
  const auto rc = pc.read_all(), rt = pt.read_all();
  double ec = 0, et = 0;
  for (std::size_t i = 0; i < 512; ++i)
    ec = std::max<double>(ec, std::fabs(rc[i] - w[i])), et = std::max<double>(et, std::fabs(rt[i] - w[i]));
  EXPECT_LE(ec, 1.0 / 64 / pc.scale_factors()[0] + 1e-9);
  EXPECT_GT(et, 50 * ec);  // per-tensor rounding of the small channel is far coarser
}

// Mean |read error| of single random bit flips, same (element, bit) draws for every t (common random
// numbers).
double mean_flip_error(const std::vector<float>& w, const ProtectionSpec& spec, const memory::Format& f,
                       int trials) {
  ProtectedTensor t(spec, f, w);
  const auto clean = t.read_all();
  std::mt19937_64 rng(2024);
  const std::uint64_t nbits = t.data_bits().size_bits();
  double sum = 0;
  for (int k = 0; k < trials; ++k) {
    const std::uint64_t b = rng() % nbits;
    t.data_bits().flip(b);
    const std::uint64_t touched[] = {b};
    const auto got = t.read_touched(touched);
    t.data_bits().flip(b);
    EXPECT_EQ(got.size(), 1u);
    sum += std::fabs(static_cast<double>(got[0].value) - clean[got[0].index]);
  }
  return sum / trials;
}

TEST(WeightScaling, Q25FlipErrorFallsAsOneOverT) {
  const auto w = weights(10000, 0.3f, 5);
  const memory::Format q = memory::Format::fixed(2, 5);
  const int trials = 20000;
  // A flip of bit b changes the stored integer by 2^b (the sign bit by 2^7), i.e. the read by 2^(b-5)/c with
  // c = t/0.3: the expected error over uniform bits is 0.3/t * (1/8) * (2^8-1)/32.
  const double per_t = 0.3 * 255.0 / 256.0;
  double base = 0;
  for (const float t : {0.5f, 1.0f, 2.0f, 3.96875f}) {
    ProtectionSpec spec;
    spec.scaling = ProtectionSpec::Scaling{Granularity::per_tensor, t};
    const double e = mean_flip_error(w, spec, q, trials);
    // Statistical check: the per-draw sd is about 1.29/1.0 of the mean, so 20000 draws give ~1% error; 6%.
    EXPECT_NEAR(e * t, per_t, 0.06 * per_t) << "t = " << t;
    if (base == 0) base = e * t;
    EXPECT_NEAR(e * t / base, 1.0, 0.02) << "t = " << t;  // same draws: the ratio is nearly exact
  }
  // And scaling beats no scaling (c = 1, the weights stay at <= 0.3) by about 3.96875/0.3.
  const double none = mean_flip_error(w, ProtectionSpec{}, q, trials);
  const double best = mean_flip_error(w, ProtectionSpec::parse("scale"), q, trials);
  EXPECT_NEAR(none / best, 3.96875 / 0.3, 0.05 * 3.96875 / 0.3);
}

TEST(WeightScaling, Fp32NonTopExponentFlipsAreBoundedByTwoOverC) {
  const auto w = weights(2000, 0.3f, 6);
  ProtectedTensor t(ProtectionSpec::parse("scale"), memory::Format::fp32(), w);
  const double c = t.scale_factor(0);
  const auto clean = t.read_all();
  double worst = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    for (unsigned b = 0; b < 30; ++b) {  // mantissa 0..22 and exponent 23..29, not the exponent MSB (30)
      t.data_bits().flip(i * 32 + b);
      const double e = std::fabs(static_cast<double>(t.read(i)) - clean[i]);
      t.data_bits().flip(i * 32 + b);
      ASSERT_LT(e, 2.0 / c) << "element " << i << " bit " << b;
      worst = std::max(worst, e);
    }
    t.data_bits().flip(i * 32 + 30);
    const float top = t.read(i);
    t.data_bits().flip(i * 32 + 30);
    EXPECT_FALSE(std::fabs(top) < 1e30f) << "the exponent MSB stays catastrophic (huge, Inf or NaN): " << top;
  }
  EXPECT_GT(worst, 0.5 / c);  // the bound is nearly reached, so it is the right one
  // Without scaling the same flips are bounded only by 2 (weights below 2 already), c times the scaled bound.
  ProtectedTensor plain(ProtectionSpec{}, memory::Format::fp32(), w);
  double plain_worst = 0;
  for (std::size_t i = 0; i < 50; ++i)
    for (unsigned b = 23; b < 30; ++b) {
      plain.data_bits().flip(i * 32 + b);
      plain_worst = std::max(plain_worst, std::fabs(static_cast<double>(plain.read(i)) - w[i]));
      plain.data_bits().flip(i * 32 + b);
    }
  EXPECT_GT(plain_worst, 0.5 * c * (2.0 / c));
  EXPECT_LT(plain_worst, 2.0);
}

TEST(WeightScaling, FloatTargetsBelowTwoKeepEveryFlipButTheExponentMsbBelowTwo) {
  // Every stored value up to the default t (all fp16/bf16 patterns; every fp32 exponent with random
  // mantissas), every single flip: the claim behind the float defaults, checked on the decoded values.
  for (const char* fs : {"fp16", "bf16", "fp32"}) {
    const memory::Format f = memory::Format::parse(fs);
    const float t = default_scale_target(f);
    memory::BitField exp{};
    for (const memory::BitField& fld : f.layout())
      if (fld.role == memory::BitRole::exponent) exp = fld;
    std::uint64_t values = 0, grew = 0;
    const auto check = [&](std::uint32_t p) {
      const float x = f.decode(p);
      if (!(std::fabs(x) <= t)) return;
      ++values;
      for (unsigned b = 0; b < exp.hi; ++b) {  // mantissa and every exponent bit but the top one
        const float y = f.decode(p ^ (1u << b));
        ASSERT_TRUE(std::isfinite(y) && std::fabs(y) < 2.0f && std::signbit(y) == std::signbit(x))
            << fs << " pattern 0x" << std::hex << p << " bit " << std::dec << b << " reads " << y;
        if (b >= exp.lo && std::fabs(x) >= 1.0f) {
          // Largest weights: their lower exponent bits are all 1, so a flip there can only shrink them.
          ASSERT_LT(std::fabs(y), std::fabs(x)) << fs << " pattern 0x" << std::hex << p << " bit " << b;
        }
        grew += b >= exp.lo && std::fabs(y) > std::fabs(x);
      }
      const float top = f.decode(p ^ (1u << exp.hi));
      ASSERT_FALSE(std::fabs(top) < 2.0f) << fs << " pattern 0x" << std::hex << p << " exponent msb";
    };
    if (f.bits() == 16) {
      for (std::uint32_t p = 0; p < 65536; ++p) check(p);
    } else {
      std::mt19937 rng(7);
      for (std::uint32_t e = 0; e < 256; ++e)
        for (int k = 0; k < 200; ++k) check((static_cast<std::uint32_t>(rng()) & 0x807FFFFFu) | (e << 23));
      check(f.encode(t));
      check(f.encode(-t));
    }
    EXPECT_GT(values, 0u) << fs;
    // Below 1 a lower exponent bit can be 0, and setting it grows the value (still below 2): the bound, not
    // shrinking, is what holds for every weight.
    EXPECT_GT(grew, 0u) << fs;
  }
}

}  // namespace
}  // namespace flipguard::protect
