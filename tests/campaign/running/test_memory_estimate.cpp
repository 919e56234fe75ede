// The per-configuration term of the peak-memory formula (docs/memory.md), counted by hand for small tensors.
#include <gtest/gtest.h>

#include "campaign/running/memory_estimate.hpp"

namespace flipguard::campaign {
namespace {

TEST(MemoryEstimate, ConfigurationBytesCountBitsWordsAndCopies) {
  const std::vector<std::int64_t> sizes{64, 10};
  // q2.5 is 8 bits: 512 data bits = 8 words (64 B) and 80 bits = 2 words (16 B); clean reads 74 x 4 = 296 B;
  // the largest tensor's build copy 64 x 8 = 512 B.
  EXPECT_EQ(configuration_bytes(sizes, "q2.5", "none", 0.0), 64u + 16u + 296u + 512u);
  // (72,64): 8 check bits per 64 data bits: 64 bits (1 word, 8 B) and 2 words x 8 = 16 bits (1 word, 8 B).
  EXPECT_EQ(configuration_bytes(sizes, "q2.5", "ecc72", 0.0), 888u + 16u);
  // Scaling and scale@logits change values, not sizes.
  EXPECT_EQ(configuration_bytes(sizes, "q2.5", "scale+ecc72", 0.0), 904u);
  EXPECT_EQ(configuration_bytes(sizes, "q2.5", "scale@logits+ecc72", 0.0), 904u);
  // Sparse trial buffers: 64 B per expected fault over data and check bits, 1e-2 x (576 + 96) = 6.72 faults.
  EXPECT_EQ(configuration_bytes(sizes, "q2.5", "ecc72", 1e-2), 904u + 430u);
  // fp32: 32 bits per weight: 2048 bits = 32 words, 320 bits = 5 words.
  EXPECT_EQ(configuration_bytes(sizes, "fp32", "none", 0.0), 256u + 40u + 296u + 512u);
}

TEST(MemoryEstimate, TotalAddsSlackOnTheVariableTermsAndTheFixedPart) {
  MemoryEstimate e;
  e.weights = 100u << 20;
  e.configuration = 50u << 20;
  e.activations = 30u << 20;
  e.images = 20u << 20;
  EXPECT_EQ(e.variable(), 200u << 20);
  EXPECT_EQ(e.total(), (200u << 20) + (10u << 20) + kFixedOverheadBytes);
  EXPECT_NE(e.describe().find("memory estimate: 240 MiB peak = weights 100.0 + largest configuration 50.0"),
            std::string::npos)
      << e.describe();
  EXPECT_EQ(e.describe().find("NaN path"), std::string::npos);
  // A float format's campaign counts what the NaN-faithful steps keep.
  e.nan_path = 10u << 20;
  EXPECT_EQ(e.total(), (210u << 20) + (10u << 20) + (1u << 19) + kFixedOverheadBytes);
  EXPECT_NE(e.describe().find(" + NaN path 10.0 + slack 10.5 + fixed 30 (MiB)"), std::string::npos)
      << e.describe();
}

}  // namespace
}  // namespace flipguard::campaign
