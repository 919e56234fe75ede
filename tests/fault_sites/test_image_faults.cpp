// Activation faults on one image of one value, tested statistically over many images: flips per image are
// Binomial(bits, rate), positions uniform over elements and bits; faults follow the image's dataset index,
// never its row in a batch; stuck-at bits are the same for every image, transient flips differ.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "fault_sites/activations/image_faults.hpp"
#include "faults/fault_model.hpp"

namespace flipguard::fault_sites {
namespace {

// A value of `rows` images of `n` elements each, row-major, as the engine's view presents it.
class FakeView final : public engine::ValueView {
 public:
  FakeView(int rows, std::int64_t n, float fill) : rows_(rows), n_(n), data_(rows * n, fill) {
    // The same contents in every row: rows differ only by the faults they take.
    for (std::size_t i = 0; i < data_.size(); ++i)
      data_[i] = fill + static_cast<float>(i % static_cast<std::size_t>(n) % 97) * 0.01f;
  }
  int images() const override { return rows_; }
  std::int64_t elements_per_image() const override { return n_; }
  float get(int image, std::int64_t i) const override { return data_[index(image, i)]; }
  void set(int image, std::int64_t i, float v) override { data_[index(image, i)] = v; }
  void for_each_span(const std::function<void(float*, std::int64_t)>& f) override {
    f(data_.data(), static_cast<std::int64_t>(data_.size()));
  }
  std::vector<float>& data() { return data_; }
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

const std::string kValue = "layer1/conv2/relu_out";

ValueDraw draw_of(const faults::FaultModel& m, std::uint64_t trial = 7) {
  return ValueDraw{m, 1234, trial, kValue, value_key(kValue), redrawn_per_image(m), memory::Format::fp32()};
}

TEST(ImageFaults, FlipsPerImageFollowTheBinomialAndPositionsAreUniform) {
  constexpr std::int64_t kElements = 4096;
  constexpr double kRate = 1e-4;
  constexpr int kImages = 3000;
  const auto model = faults::FaultModel::parse("ber:1e-4");
  const auto d = draw_of(model);
  const double bits = kElements * 32.0;
  std::vector<double> per_image;
  std::vector<std::int64_t> by_bit(32, 0), by_element(16, 0);
  for (int image = 0; image < kImages; ++image) {
    FakeView view(1, kElements, 0.5f);
    const auto before = view.row_bits(0);
    const auto counts = apply_image_faults(d, static_cast<std::uint64_t>(image), view, 0);
    const auto after = view.row_bits(0);
    std::int64_t flipped = 0;
    for (std::int64_t e = 0; e < kElements; ++e) {
      const std::uint32_t x = before[static_cast<std::size_t>(e)] ^ after[static_cast<std::size_t>(e)];
      flipped += std::popcount(x);
      for (unsigned b = 0; b < 32; ++b)
        if (x >> b & 1u) {
          ++by_bit[b];
          ++by_element[static_cast<std::size_t>(e * 16 / kElements)];
        }
    }
    EXPECT_EQ(counts.flips, flipped);
    per_image.push_back(static_cast<double>(flipped));
  }
  double mean = 0, var = 0;
  for (double x : per_image) mean += x / kImages;
  for (double x : per_image) var += (x - mean) * (x - mean) / (kImages - 1);
  const double expected = bits * kRate, expected_var = bits * kRate * (1 - kRate);
  // The mean within 5 standard errors, the variance within 15 % (its standard error here is about 3.5 %).
  EXPECT_NEAR(mean, expected, 5 * std::sqrt(expected_var / kImages));
  EXPECT_NEAR(var / expected_var, 1.0, 0.15);
  // Chi-square against uniform: 31 and 15 degrees of freedom, thresholds near the 99.99th percentiles.
  const auto chi2 = [](const std::vector<std::int64_t>& counts) {
    double total = 0, c = 0;
    for (auto x : counts) total += static_cast<double>(x);
    const double e = total / static_cast<double>(counts.size());
    for (auto x : counts) c += (static_cast<double>(x) - e) * (static_cast<double>(x) - e) / e;
    return c;
  };
  EXPECT_LT(chi2(by_bit), 66.0);
  EXPECT_LT(chi2(by_element), 42.0);
}

TEST(ImageFaults, FaultsFollowTheDatasetIndexNotTheRow) {
  const auto model = faults::FaultModel::parse("ber:1e-3");
  const auto d = draw_of(model);
  FakeView a(1, 2048, 1.0f), b(5, 2048, 1.0f);
  apply_image_faults(d, 42, a, 0);
  apply_image_faults(d, 42, b, 3);  // the same image in row 3 of a larger batch
  EXPECT_EQ(a.row_bits(0), b.row_bits(3));
  FakeView clean(5, 2048, 1.0f);
  for (int r : {0, 1, 2, 4}) EXPECT_EQ(b.row_bits(r), clean.row_bits(r)) << "row " << r << " was touched";
  // Another image, or another trial, draws other faults (65 expected flips: equal maps would be a bug).
  FakeView c(1, 2048, 1.0f), t(1, 2048, 1.0f);
  apply_image_faults(d, 43, c, 0);
  apply_image_faults(draw_of(model, 8), 42, t, 0);
  EXPECT_NE(a.row_bits(0), c.row_bits(0));
  EXPECT_NE(a.row_bits(0), t.row_bits(0));
}

TEST(ImageFaults, StuckBitsAreTheSameForEveryImageOfATrial) {
  const auto stuck = faults::FaultModel::parse("stuck1:1e-3");
  EXPECT_FALSE(redrawn_per_image(stuck));
  EXPECT_TRUE(redrawn_per_image(faults::FaultModel::parse("ber:1e-3")));
  const auto d = draw_of(stuck);
  FakeView a(1, 2048, 1.0f), b(1, 2048, 1.0f), clean(1, 2048, 1.0f);
  const auto ca = apply_image_faults(d, 5, a, 0);
  const auto cb = apply_image_faults(d, 900, b, 0);
  EXPECT_EQ(a.row_bits(0), b.row_bits(0));
  EXPECT_EQ(ca.flips, cb.flips);
  EXPECT_GT(ca.flips, 0);
  EXPECT_NE(a.row_bits(0), clean.row_bits(0));
  // Stuck-at-1 only sets bits.
  const auto before = clean.row_bits(0), after = a.row_bits(0);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i] & ~after[i], 0u);
}

TEST(ImageFaults, Fp16WordsTakeFlipsInTheirSixteenBitsOnly) {
  const auto model = faults::FaultModel::parse("ber:1e-2");
  auto d = draw_of(model);
  d.format = memory::Format::fp16();
  FakeView v(1, 4096, 0.25f);
  for (auto& x : v.data()) x = d.format.decode(d.format.encode(x));  // stored: fp16 values
  const auto before = v.data();
  const auto counts = apply_image_faults(d, 3, v, 0);
  // A NaN read back may not re-encode to the word it came from: its flips are bounded by its 16 bits.
  std::int64_t flips = 0, changed = 0, nans = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    changed += std::memcmp(&before[i], &v.data()[i], sizeof(float)) != 0;
    if (std::isnan(v.data()[i])) {
      ++nans;
      continue;
    }
    const std::uint32_t x = d.format.encode(before[i]) ^ d.format.encode(v.data()[i]);
    EXPECT_EQ(x >> 16, 0u);
    flips += std::popcount(x);
    EXPECT_EQ(d.format.decode(d.format.encode(v.data()[i])), v.data()[i]) << "not an fp16 value at " << i;
  }
  EXPECT_GE(counts.flips, flips);
  EXPECT_LE(counts.flips, flips + 16 * nans);
  EXPECT_EQ(counts.changed, changed);
  EXPECT_NEAR(static_cast<double>(counts.flips), 4096 * 16 * 1e-2, 5 * std::sqrt(4096 * 16 * 1e-2));
}

}  // namespace
}  // namespace flipguard::fault_sites
