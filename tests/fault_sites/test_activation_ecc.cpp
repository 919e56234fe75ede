// SECDED over activation words (ecc72, ecc39, ecc13 on the activations site): the words of an image's value
// packed into codewords whose check bits take faults too. One flip anywhere in a codeword reads clean; two
// are detected and read as 0 (:zero) or as stored (:keep); the draws over data and check bits are binomial,
// and the share of codewords with two or more faults is the binomial one; on ResNet-20 single flips leave
// the logits bit-identical, a rate changes far fewer logits than without ECC, and the fault log of the words
// that differ after decoding replays the trial.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "data/loading/batch_loader.hpp"
#include "engine/executor.hpp"
#include "fault_sites/activations/image_faults.hpp"
#include "fault_sites/activations/value_ecc.hpp"
#include "fault_sites/fault_site_registry.hpp"
#include "faults/fault_model.hpp"
#include "model/onnx_loader.hpp"
#include "protect/protection_spec.hpp"
#include "support/resnet20_executor.hpp"
#include "support/test_paths.hpp"

namespace flipguard::fault_sites {
namespace {

using protect::SecdedKind;

// One value of `rows` images of `n` elements, row-major, holding words of `format` (so they store exactly).
class FakeView final : public engine::ValueView {
 public:
  FakeView(int rows, std::int64_t n, const memory::Format& format, float scale = 1.0f)
      : rows_(rows), n_(n), data_(static_cast<std::size_t>(rows * n)) {
    for (std::size_t i = 0; i < data_.size(); ++i) {
      // Non-zero, mixed signs, the same contents in every row.
      const auto j = static_cast<float>(i % static_cast<std::size_t>(n));
      data_[i] = format.decode(format.encode((std::fmod(j * 0.37f, 5.0f) - 2.4f) * scale, scale), scale);
    }
  }
  int images() const override { return rows_; }
  std::int64_t elements_per_image() const override { return n_; }
  float get(int image, std::int64_t i) const override { return data_[index(image, i)]; }
  void set(int image, std::int64_t i, float v) override { data_[index(image, i)] = v; }
  void for_each_span(const std::function<void(float*, std::int64_t)>& f) override {
    f(data_.data(), static_cast<std::int64_t>(data_.size()));
  }
  std::vector<std::uint32_t> row_bits(int image) const {
    std::vector<std::uint32_t> out(static_cast<std::size_t>(n_));
    std::memcpy(out.data(), &data_[index(image, 0)], out.size() * sizeof(float));
    return out;
  }

 private:
  std::size_t index(int image, std::int64_t i) const { return static_cast<std::size_t>(image * n_ + i); }
  int rows_;
  std::int64_t n_;
  std::vector<float> data_;
};

const std::string kValue = "layer2/conv1/relu_out";

ValueEcc ecc_of(SecdedKind kind, bool zero = true) {
  return ValueEcc(
      {.kind = kind, .policy = zero ? protect::DoubleErrorPolicy::zero : protect::DoubleErrorPolicy::keep});
}

ValueDraw draw_of(const faults::FaultModel& m, const memory::Format& format, const ValueEcc& ecc,
                  float scale = 1, std::uint64_t trial = 7) {
  return ValueDraw{m, 99, trial, kValue, value_key(kValue), redrawn_per_image(m), format, scale, &ecc};
}

faults::FaultMap map_of(std::uint64_t bits, std::vector<std::uint64_t> flips) {
  std::vector<faults::Fault> f;
  for (const auto b : flips) f.push_back({b, faults::FaultKind::kFlip});
  return faults::FaultMap(bits, std::move(f));
}

const faults::FaultModel kBer = faults::FaultModel::parse("ber:1e-3");

struct Case {
  memory::Format format;
  SecdedKind kind;
  std::int64_t elements;  // not a whole number of codewords where it can: the last one padded
  float scale;
};

std::vector<Case> cases() {
  return {{memory::Format::fp32(), SecdedKind::ecc72_64, 9, 1},
          {memory::Format::fp16(), SecdedKind::ecc72_64, 11, 1},
          {memory::Format::bf16(), SecdedKind::ecc72_64, 8, 1},
          {memory::Format::int8(), SecdedKind::ecc72_64, 21, 0.03f},
          {memory::Format::parse("q2.5"), SecdedKind::ecc72_64, 13, 1},
          {memory::Format::fp32(), SecdedKind::ecc39_32, 5, 1},
          {memory::Format::int8(), SecdedKind::ecc39_32, 7, 0.03f},
          {memory::Format::fp32(), SecdedKind::ecc13_8, 3, 1},
          {memory::Format::fp16(), SecdedKind::ecc13_8, 3, 1}};
}

TEST(ActivationEcc, OneFlipAnywhereInACodewordReadsClean) {
  for (const auto& c : cases()) {
    const ValueEcc ecc = ecc_of(c.kind);
    const auto d = draw_of(kBer, c.format, ecc, c.scale);
    const unsigned k = ecc.code.data_bits(), cb = ecc.code.check_bits();
    const auto n = static_cast<std::uint64_t>(c.elements);
    const std::uint64_t data_bits = n * c.format.bits(), words = ecc.codewords(n, c.format.bits());
    ASSERT_EQ(words, (data_bits + k - 1) / k);
    const FakeView clean(1, c.elements, c.format, c.scale);
    int logged = 0;
    const FaultLog log = [&logged](const ElementFault&) { ++logged; };
    for (std::uint64_t q = 0; q < words; ++q) {
      // Every stored bit of codeword q: its data bits (the padding of the last one holds none), its check
      // bits.
      for (unsigned b = 0; b < k + cb; ++b) {
        const std::uint64_t data_bit = q * k + b;
        if (b < k && data_bit >= data_bits) continue;
        FakeView v = clean;
        const auto counts = b < k ? apply_coded_faults(d, ecc, 5, map_of(data_bits, {data_bit}),
                                                       map_of(words * cb, {}), v, 0, &log)
                                  : apply_coded_faults(d, ecc, 5, map_of(data_bits, {}),
                                                       map_of(words * cb, {q * cb + b - k}), v, 0, &log);
        ASSERT_EQ(v.row_bits(0), clean.row_bits(0))
            << c.format.name() << " " << ecc.code.name() << " codeword " << q << " bit " << b;
        EXPECT_EQ(counts.flips, 1);
        EXPECT_EQ(counts.changed, 0);
        EXPECT_EQ(counts.corrected, 1);
        EXPECT_EQ(counts.detected, 0);
      }
    }
    EXPECT_EQ(logged, 0) << "a corrected word was logged";
  }
}

// Which elements lie in codeword q (bits [q*k, (q+1)*k) of the image's words).
std::vector<std::int64_t> elements_of(std::uint64_t q, unsigned k, unsigned width, std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t e = 0; e < n; ++e) {
    const std::uint64_t lo = static_cast<std::uint64_t>(e) * width, hi = lo + width;
    if (lo < (q + 1) * k && hi > q * k) out.push_back(e);
  }
  return out;
}

TEST(ActivationEcc, TwoFlipsInACodewordAreDetectedAndReadAsZeroOrAsStored) {
  for (const auto& c : cases()) {
    for (const bool zero : {true, false}) {
      const ValueEcc ecc = ecc_of(c.kind, zero);
      const auto d = draw_of(kBer, c.format, ecc, c.scale);
      const unsigned k = ecc.code.data_bits(), cb = ecc.code.check_bits(), w = c.format.bits();
      const auto n = static_cast<std::uint64_t>(c.elements);
      const std::uint64_t data_bits = n * w, words = ecc.codewords(n, w);
      const FakeView clean(1, c.elements, c.format, c.scale);
      // The first codeword and the last (padded where the words do not fill it): every pair of their stored
      // bits.
      for (const std::uint64_t q : {std::uint64_t{0}, words - 1}) {
        const auto in_q = elements_of(q, k, w, c.elements);
        for (unsigned a = 0; a < k + cb; ++a) {
          if (a < k && q * k + a >= data_bits) continue;
          for (unsigned b = a + 1; b < k + cb; ++b) {
            if (b < k && q * k + b >= data_bits) continue;
            std::vector<std::uint64_t> df, cf;
            for (const unsigned x : {a, b}) (x < k ? df.push_back(q * k + x) : cf.push_back(q * cb + x - k));
            FakeView v = clean;
            std::vector<std::int64_t> logged;
            const FaultLog log = [&](const ElementFault& f) {
              logged.push_back(f.element);
              if (zero) {
                EXPECT_EQ(f.word_after, c.format.encode(0.0f, c.scale));
              }
            };
            const auto counts =
                apply_coded_faults(d, ecc, 5, map_of(data_bits, df), map_of(words * cb, cf), v, 0, &log);
            EXPECT_EQ(counts.flips, 2);
            EXPECT_EQ(counts.detected, 1)
                << c.format.name() << " " << ecc.code.name() << " bits " << a << ", " << b;
            EXPECT_EQ(counts.corrected, 0);
            // Expected words: untouched outside codeword q; in it 0 (:zero) or the stored word with its data
            // flips.
            auto want = clean.row_bits(0);
            std::int64_t changed = 0;
            for (const std::int64_t e : in_q) {
              const auto i = static_cast<std::size_t>(e);
              float x;
              if (zero) {
                x = 0.0f;
              } else {
                std::uint32_t word = c.format.encode(clean.get(0, e), c.scale);
                for (const auto bit : df)
                  if (bit / w == static_cast<std::uint64_t>(e)) word ^= std::uint32_t{1} << (bit % w);
                x = c.format.decode(word, c.scale);
              }
              std::uint32_t bits;
              std::memcpy(&bits, &x, sizeof bits);
              changed += bits != want[i];
              want[i] = bits;
            }
            ASSERT_EQ(v.row_bits(0), want) << c.format.name() << " " << ecc.code.name()
                                           << (zero ? ":zero" : ":keep") << " bits " << a << ", " << b;
            EXPECT_EQ(counts.changed, changed);
            EXPECT_EQ(static_cast<std::int64_t>(logged.size()), changed);
          }
        }
      }
    }
  }
}

// The decoder's status of an error pattern: the code is linear, so a stored word with errors (e_data,
// e_check) decodes as the all-zero word with those errors does.
protect::SecdedStatus status_of(const protect::SecdedCode& code, std::uint64_t e_data,
                                std::uint32_t e_check) {
  return code.decode(e_data, e_check).status;
}

// Per codeword of one image's maps: the data and check error patterns the flips make.
struct Errors {
  std::map<std::uint64_t, std::uint64_t> data;
  std::map<std::uint64_t, std::uint32_t> check;
  std::map<std::uint64_t, int> count;
};
Errors errors_of(const ImageFaultMaps& maps, unsigned k, unsigned cb) {
  Errors e;
  for (const auto& f : maps.data.faults()) {
    e.data[f.bit / k] ^= std::uint64_t{1} << (f.bit % k);
    ++e.count[f.bit / k];
  }
  for (const auto& f : maps.check.faults()) {
    e.check[f.bit / cb] ^= std::uint32_t{1} << (f.bit % cb);
    ++e.count[f.bit / cb];
  }
  return e;
}

TEST(ActivationEcc, FaultsOverDataAndCheckBitsAreBinomialAndSoAreTheCodewordsWithTwoOrMore) {
  constexpr std::int64_t kElements = 4096;  // fp32: 2048 codewords of 72 bits
  constexpr double kRate = 2e-3;
  constexpr int kImages = 1500;
  const auto model = faults::FaultModel::parse("ber:2e-3");
  const ValueEcc ecc = ecc_of(SecdedKind::ecc72_64);
  const auto d = draw_of(model, memory::Format::fp32(), ecc);
  const double data_bits = kElements * 32.0, check_bits = kElements / 2 * 8.0, bits = data_bits + check_bits;
  const double words = kElements / 2.0;
  std::vector<double> per_image;
  double check_faults = 0;
  std::vector<double> by_count(3, 0);  // codewords with 0, 1, >= 2 faults
  for (int image = 0; image < kImages; ++image) {
    const auto maps = draw_image_faults(d, static_cast<std::uint64_t>(image), kElements);
    ASSERT_EQ(maps.check.region_bits(), static_cast<std::uint64_t>(check_bits));
    per_image.push_back(static_cast<double>(maps.data.size() + maps.check.size()));
    check_faults += static_cast<double>(maps.check.size());
    const auto e = errors_of(maps, 64, 8);
    for (const auto& [q, m] : e.count) ++by_count[std::min(m, 2)];
    by_count[0] += words - static_cast<double>(e.count.size());
  }
  double mean = 0, var = 0;
  for (const double x : per_image) mean += x / kImages;
  for (const double x : per_image) var += (x - mean) * (x - mean) / (kImages - 1);
  const double expected = bits * kRate, expected_var = bits * kRate * (1 - kRate);
  // z of the mean under 5; the variance within 15 % (its standard error here is about 3.7 %).
  EXPECT_LT(std::abs(mean - expected) / std::sqrt(expected_var / kImages), 5.0) << mean << " vs " << expected;
  EXPECT_NEAR(var / expected_var, 1.0, 0.15);
  // The check bits' share of the faults: 1/9 of the stored bits.
  const double all = mean * kImages, share = check_bits / bits;
  EXPECT_LT(std::abs(check_faults - all * share) / std::sqrt(all * share * (1 - share)), 5.0);
  // Codewords by their count of faults against Binomial(72, rate): chi-square with 2 degrees of freedom,
  // under 18.4 (its 99.99th percentile).
  const double p0 = std::pow(1 - kRate, 72), p1 = 72 * kRate * std::pow(1 - kRate, 71);
  const double total = words * kImages;
  const std::vector<double> want{total * p0, total * p1, total * (1 - p0 - p1)};
  double chi2 = 0;
  for (std::size_t i = 0; i < 3; ++i) chi2 += (by_count[i] - want[i]) * (by_count[i] - want[i]) / want[i];
  EXPECT_LT(chi2, 18.4) << "codewords with 0/1/2+ faults: " << by_count[0] << " " << by_count[1] << " "
                        << by_count[2] << " vs " << want[0] << " " << want[1] << " " << want[2];
  EXPECT_GT(by_count[2], 10000);  // about 21,000: enough for the test to see a wrong share
}

TEST(ActivationEcc, TheDataBitsTakeTheFaultsTheyTakeWithoutEcc) {
  const auto model = faults::FaultModel::parse("ber:1e-3");
  const ValueEcc ecc = ecc_of(SecdedKind::ecc72_64);
  auto with = draw_of(model, memory::Format::fp16(), ecc);
  auto without = with;
  without.ecc = nullptr;
  for (std::uint64_t image : {0u, 17u, 400u}) {
    const auto a = draw_image_faults(with, image, 3000), b = draw_image_faults(without, image, 3000);
    EXPECT_EQ(a.data, b.data);
    EXPECT_TRUE(b.check.empty());
    EXPECT_FALSE(a.check.empty());  // 3000 x 16 / 64 x 8 = 6000 check bits at 1e-3: 6 faults expected
  }
  // A bit mask names bits of the words: the check bits take none.
  const auto masked = faults::FaultModel::parse("ber:1e-2@bits=14");
  const auto m = draw_image_faults(draw_of(masked, memory::Format::fp16(), ecc), 3, 3000);
  EXPECT_GT(m.data.size(), 0u);
  EXPECT_TRUE(m.check.empty());
}

// At a high rate, by ber and by bursts: every codeword the maps touch ends as the decoder says for its error
// pattern; the counts are those of the patterns, and no codeword the maps leave alone is touched.
TEST(ActivationEcc, EveryTouchedCodewordEndsAsItsErrorPatternDecodes) {
  for (const char* spec : {"ber:3e-3", "burst:1e-3:len=2", "burst:5e-4:len=3"}) {
    for (const bool zero : {true, false}) {
      const auto model = faults::FaultModel::parse(spec);
      const ValueEcc ecc = ecc_of(SecdedKind::ecc72_64, zero);
      const auto format = memory::Format::fp16();
      const auto d = draw_of(model, format, ecc);
      constexpr std::int64_t kElements = 6001;
      std::int64_t corrected = 0, detected = 0, by_pattern[4] = {0, 0, 0, 0};
      for (std::uint64_t image = 0; image < 40; ++image) {
        const FakeView clean(1, kElements, format);
        FakeView v = clean;
        const auto maps = draw_image_faults(d, image, kElements);
        const auto e = errors_of(maps, 64, 8);
        const auto counts = apply_image_faults(d, image, v, 0);
        corrected += counts.corrected;
        detected += counts.detected;
        std::int64_t want_corrected = 0, want_detected = 0;
        for (const auto& [q, m] : e.count) {
          const auto s = status_of(ecc.code, e.data.contains(q) ? e.data.at(q) : 0,
                                   e.check.contains(q) ? e.check.at(q) : 0);
          want_corrected +=
              s == protect::SecdedStatus::corrected_data || s == protect::SecdedStatus::corrected_check;
          want_detected += s == protect::SecdedStatus::detected;
          ++by_pattern[std::min(m, 3)];
          for (const std::int64_t el : elements_of(q, 64, 16, kElements)) {
            const auto i = static_cast<std::size_t>(el);
            if (m == 1) {
              EXPECT_EQ(v.row_bits(0)[i], clean.row_bits(0)[i]);
            }
            if (s == protect::SecdedStatus::detected && zero) {
              EXPECT_EQ(v.get(0, el), 0.0f);
            }
          }
        }
        EXPECT_EQ(counts.corrected, want_corrected) << spec;
        EXPECT_EQ(counts.detected, want_detected) << spec;
        EXPECT_EQ(counts.flips, static_cast<std::int64_t>(maps.data.size() + maps.check.size()));
        // Elements of codewords without a fault keep their words.
        const auto got = v.row_bits(0), want = clean.row_bits(0);
        for (std::int64_t el = 0; el < kElements; ++el)
          if (!e.count.contains(static_cast<std::uint64_t>(el) * 16 / 64)) {
            ASSERT_EQ(got[static_cast<std::size_t>(el)], want[static_cast<std::size_t>(el)]) << spec;
          }
      }
      EXPECT_GT(corrected, 100) << spec;
      EXPECT_GT(detected, 10) << spec;  // bursts of 2 or 3 inside a codeword, doubles at 3e-3
      EXPECT_GT(by_pattern[2], 10) << spec;
    }
  }
}

TEST(ActivationEcc, StuckBitsAreTheSameForEveryImageAndOneInACodewordIsCorrected) {
  const auto model = faults::FaultModel::parse("stuck1:2e-3");
  const ValueEcc ecc = ecc_of(SecdedKind::ecc72_64, false);
  const auto format = memory::Format::fp32();
  const auto d = draw_of(model, format, ecc);
  constexpr std::int64_t kElements = 8192;
  const FakeView clean(1, kElements, format);
  FakeView a = clean, b = clean;
  const auto ca = apply_image_faults(d, 3, a, 0), cb = apply_image_faults(d, 801, b, 0);
  EXPECT_EQ(a.row_bits(0), b.row_bits(0));
  EXPECT_EQ(ca.flips, cb.flips);
  EXPECT_GT(ca.flips, 100);  // half the stuck bits already hold 1
  EXPECT_GT(ca.corrected, 100);
  EXPECT_GT(ca.detected, 0);
  // Only codewords with two or more stuck bits that changed their bit can read wrong.
  const auto maps = draw_image_faults(d, 3, kElements);
  EXPECT_EQ(maps.data, draw_image_faults(d, 801, kElements).data);
  EXPECT_EQ(maps.check, draw_image_faults(d, 801, kElements).check);
  std::map<std::uint64_t, int> effective;
  for (const auto& f : maps.data.faults())
    effective[f.bit / 64] += (clean.row_bits(0)[f.bit / 32] >> (f.bit % 32) & 1u) == 0;
  for (const auto& f : maps.check.faults()) {
    const std::uint64_t q = f.bit / 8;
    const std::uint64_t data =
        std::uint64_t{clean.row_bits(0)[2 * q]} | std::uint64_t{clean.row_bits(0)[2 * q + 1]} << 32;
    effective[q] += (ecc.code.encode(data) >> (f.bit % 8) & 1u) == 0;
  }
  const auto got = a.row_bits(0), want = clean.row_bits(0);
  for (std::int64_t el = 0; el < kElements; ++el) {
    const auto i = static_cast<std::size_t>(el);
    if (got[i] != want[i]) {
      EXPECT_GE(effective[static_cast<std::uint64_t>(el) / 2], 2) << "element " << el;
    }
  }
  const auto with = [&](auto pred) {
    return static_cast<std::int64_t>(
        std::count_if(effective.begin(), effective.end(), [&](const auto& kv) { return pred(kv.second); }));
  };
  // One bit that changed: corrected; two: detected; three or more: as the decoder sends them (four or more
  // can even read clean).
  EXPECT_GE(ca.corrected, with([](int m) { return m == 1; }));
  EXPECT_GE(ca.detected, with([](int m) { return m == 2; }));
  EXPECT_LE(ca.corrected + ca.detected, with([](int m) { return m >= 1; }));
  EXPECT_GE(ca.corrected + ca.detected, with([](int m) { return m >= 1 && m < 4; }));
}

// --- The site on ResNet-20 ---

using Fixture = flipguard::testing::ResNet20Executor;
using flipguard::testing::same_bits;

std::int64_t changed_logits(const std::vector<float>& a, const std::vector<float>& b) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return n;
}

// The fixture's own batch as calibration images (int8's scales).
data::PreprocessedSet calibration_of(Fixture& f) {
  data::PreprocessedSet set;
  const auto& dims = f.ex.input_dims();
  set.channels = static_cast<std::size_t>(dims[1]);
  set.height = static_cast<std::size_t>(dims[2]);
  set.width = static_cast<std::size_t>(dims[3]);
  set.tensor = f.input;
  set.targets.assign(static_cast<std::size_t>(f.ex.batch()), -1);
  return set;
}

TEST(ActivationEccSite, TheCheckBitsAreTheMemoryOverheadAndFaultFreeEccChangesNothing) {
  Fixture f;
  const auto clean = f.run();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto calibration = calibration_of(f);
  site->calibrate({&calibration, "the test's batch"});
  EXPECT_EQ(site->configure("fp32", "none")->memory_overhead(), 0.0);
  {
    const auto fp32 = site->configure("fp32", "ecc72");
    EXPECT_DOUBLE_EQ(fp32->memory_overhead(), 0.125);  // every value has an even count of fp32 words
    EXPECT_TRUE(same_bits(f.run(), clean));
    const auto model = faults::FaultModel::parse("ber:0");
    fp32->inject({.model = model, .seed = 1, .trial = 0});
    EXPECT_TRUE(same_bits(f.run(), clean));
    EXPECT_EQ(fp32->restore().flips, 0);
  }
  EXPECT_DOUBLE_EQ(site->configure("fp32", "ecc39:keep")->memory_overhead(), 7.0 / 32);
  EXPECT_DOUBLE_EQ(site->configure("fp16", "ecc13")->memory_overhead(), 5.0 / 8);
  // int8: eight words per codeword; a value whose count is no multiple of 8 (the logits) pads its last one.
  std::uint64_t data = 0, check = 0;
  for (const auto& v : f.ex.written_values()) {
    const auto n = static_cast<std::uint64_t>(v.elements_per_image());
    data += 8 * n;
    check += (8 * n + 63) / 64 * 8;
  }
  ASSERT_GT(check * 8, data);
  EXPECT_DOUBLE_EQ(site->configure("int8", "ecc72")->memory_overhead(),
                   static_cast<double>(check) / static_cast<double>(data));
  // Guards stack on it; what the weights' stack has and activations lack is refused by name.
  EXPECT_NO_THROW(site->configure("fp16", "ecc72:keep+nanguard"));
  EXPECT_NO_THROW(site->configure("fp32", "ecc72+ranger"));
  for (const char* spec : {"ecc72+clip", "scale+ecc72"}) {
    try {
      site->configure("fp32", spec);
      ADD_FAILURE() << spec << " configured on activations";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("does not apply to activations yet"), std::string::npos)
          << e.what();
    }
  }
}

// Faults drawn over every image's data and check bits of every value: one per image, at a bit drawn over
// them all (single), and a fault anywhere in a codeword is corrected.
TEST(ActivationEccSite, SingleFlipsOverDataAndCheckBitsLeaveTheLogitsBitIdentical) {
  Fixture f;
  const auto clean = f.run();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto single = faults::FaultModel::parse("single:");
  for (const char* format : {"fp32", "fp16"}) {
    const auto faults = site->configure(format, "ecc72");
    const auto rounded = f.run();  // fp16 storage rounds: its clean run is the reference
    int logged = 0;
    ASSERT_TRUE(faults->log_faults([&logged](const ElementFault&) { ++logged; }));
    constexpr int kTrials = 40;
    std::vector<std::size_t> images(4);
    for (int t = 0; t < kTrials; ++t) {
      for (std::size_t i = 0; i < images.size(); ++i) images[i] = 4 * static_cast<std::size_t>(t) + i;
      faults->inject({.model = single, .seed = 3, .trial = static_cast<std::uint64_t>(t), .images = images});
      ASSERT_TRUE(same_bits(f.run(), rounded)) << format << " trial " << t;
      const auto stats = faults->restore();
      EXPECT_EQ(stats.flips, 4);
      EXPECT_EQ(stats.ecc_corrected, 4);
      EXPECT_EQ(stats.ecc_detected, 0);
      EXPECT_EQ(stats.changed_weights, 0);
    }
    EXPECT_EQ(logged, 0);
  }
  // Where the single flips land: data bits, then check bits of each value, by the site's own draw; about 1/9
  // of them on check bits.
  const unsigned width = 32;
  std::vector<std::uint64_t> bits, data_bits;
  for (const auto& v : f.ex.written_values()) {
    const auto n = static_cast<std::uint64_t>(v.elements_per_image());
    data_bits.push_back(n * width);
    bits.push_back(n * width + (n * width + 63) / 64 * 8);
  }
  int on_check = 0;
  constexpr int kDraws = 4000;
  for (int image = 0; image < kDraws; ++image) {
    const auto s = draw_single_fault(3, 0, static_cast<std::uint64_t>(image), bits);
    on_check += s.bit >= data_bits[s.value];
  }
  EXPECT_NEAR(on_check, kDraws / 9.0, 5 * std::sqrt(kDraws / 9.0 * 8 / 9));
}

TEST(ActivationEccSite, AtARateEccChangesFarFewerLogitsThanNone) {
  Fixture f;
  const auto clean = f.run();
  const auto site = fault_site_type("activations").select(f.ex, "all");
  const auto model = faults::FaultModel::parse("ber:1e-5");
  std::map<std::string, std::int64_t> changed, flips, corrected;
  for (const char* protection : {"none", "ecc72"}) {
    const auto faults = site->configure("fp32", protection);
    for (int t = 0; t < 8; ++t) {
      std::vector<std::size_t> images{4u * t, 4u * t + 1, 4u * t + 2, 4u * t + 3};
      faults->inject({.model = model, .seed = 11, .trial = static_cast<std::uint64_t>(t), .images = images});
      changed[protection] += changed_logits(f.run(), clean);
      const auto stats = faults->restore();
      flips[protection] += stats.flips;
      corrected[protection] += stats.ecc_corrected;
    }
  }
  // The same data flips with and without ECC, and the check bits' on top (1/8 more on average).
  EXPECT_GT(flips["ecc72"], flips["none"]);
  EXPECT_LT(flips["ecc72"], flips["none"] * 3 / 2);
  EXPECT_GT(corrected["ecc72"], flips["none"] * 9 / 10);
  EXPECT_EQ(corrected["none"], 0);
  EXPECT_GT(changed["none"], 100) << "the rate changes too few logits without ECC to compare";
  EXPECT_LT(changed["ecc72"] * 10, changed["none"]) << changed["ecc72"] << " vs " << changed["none"];
}

// Replays a logged fault list: sets each logged word's value at its element when its value is written.
class Replay final : public engine::ValueHook {
 public:
  Replay(std::vector<std::string> names,
         const std::vector<std::tuple<std::string, std::uint64_t, std::int64_t, float>>& log,
         const std::vector<std::size_t>& images)
      : names_(std::move(names)) {
    for (const auto& [value, image, element, after] : log) {
      std::size_t row = 0;
      while (images[row] != image) ++row;
      by_value_[value].push_back({row, element, after});
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

TEST(ActivationEccSite, TheLogOfWordsChangedAfterDecodingReplaysTheTrial) {
  Fixture f;
  const auto site = fault_site_type("activations").select(f.ex, "all");
  std::vector<std::string> names;
  for (const auto& v : f.ex.written_values()) names.push_back(v.name);
  // At 5e-4 several codewords per image take two flips or more.
  const auto model = faults::FaultModel::parse("ber:5e-4");
  const std::vector<std::size_t> images{40, 41, 42, 43};
  for (const char* protection : {"ecc72", "ecc72:keep"}) {
    const auto faults = site->configure("fp32", protection);
    std::vector<std::tuple<std::string, std::uint64_t, std::int64_t, float>> log;
    std::int64_t zeros = 0;
    ASSERT_TRUE(faults->log_faults([&](const ElementFault& e) {
      log.emplace_back(e.value, e.image, e.element, e.after);
      EXPECT_NE(e.word_before, e.word_after);
      zeros += e.word_after == 0;
    }));
    faults->inject({.model = model, .seed = 2, .trial = 5, .images = images});
    const auto faulty = f.run();
    const auto stats = faults->restore();
    ASSERT_GT(stats.ecc_detected, 3) << protection;
    ASSERT_GT(log.size(), 3u) << protection;
    EXPECT_EQ(static_cast<std::int64_t>(log.size()), stats.changed_weights);
    // :zero reads a detected codeword's words as 0 (a miscorrected triple, rare here, reads otherwise).
    if (std::string(protection) == "ecc72") {
      EXPECT_GE(zeros * 10, static_cast<std::int64_t>(log.size()) * 9);
    }
    EXPECT_LT(static_cast<std::int64_t>(log.size()), stats.flips / 20);  // most flips were corrected
    faults->log_faults({});
    Replay replay(names, log, images);
    f.ex.arm_value_hook(&replay, names);
    const auto replayed = f.run();
    f.ex.arm_value_hook(nullptr, {});
    EXPECT_TRUE(same_bits(replayed, faulty)) << protection << ": the logged words do not reproduce the trial";
  }
}

}  // namespace
}  // namespace flipguard::fault_sites
