#include "campaign/running/memory_estimate.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "memory/format.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::campaign {

std::string MemoryEstimate::describe() const {
  const auto mib = [](std::uint64_t b) { return static_cast<double>(b) / (1 << 20); };
  char kept[96] = "";
  if (kept_activations > 0)
    std::snprintf(kept, sizeof kept, " + kept activations %.1f", mib(kept_activations));
  if (nan_path > 0)
    std::snprintf(kept + std::strlen(kept), sizeof kept - std::strlen(kept), " + NaN path %.1f",
                  mib(nan_path));
  char buf[384];
  std::snprintf(
      buf, sizeof buf,
      "memory estimate: %.0f MiB peak = weights %.1f + largest configuration %.1f + activations %.1f"
      " + images %.1f + clean logits %.1f%s + slack %.1f + fixed %.0f (MiB)",
      mib(total()), mib(weights), mib(configuration), mib(activations), mib(images), mib(clean_logits), kept,
      mib(slack()), mib(fixed));
  return buf;
}

std::uint64_t configuration_bytes(std::span<const std::int64_t> slot_sizes, const std::string& format,
                                  const std::string& protection, double max_ber) {
  const memory::Format f = memory::Format::parse(format);
  // Scaling of any kind changes values, not sizes.
  const protect::ProtectionSpec spec = protect::ProtectionSpec::parse(protection);
  std::uint64_t bytes = 0, largest = 0, stored_bits = 0;
  for (const std::int64_t n_signed : slot_sizes) {
    const auto n = static_cast<std::uint64_t>(n_signed);
    const std::uint64_t data_bits = n * f.bits();
    const std::uint64_t check_bits = spec.extra_bits(data_bits);
    bytes += (data_bits + 63) / 64 * 8 + (check_bits + 63) / 64 * 8 + 4 * n;
    stored_bits += data_bits + check_bits;
    largest = std::max(largest, n);
  }
  bytes += 8 * largest;
  bytes += static_cast<std::uint64_t>(64.0 * max_ber * static_cast<double>(stored_bits));
  return bytes;
}

MemoryEstimate estimate_campaign_memory(const engine::Executor& executor,
                                        std::span<const std::int64_t> stored_sizes,
                                        const std::vector<std::string>& formats,
                                        const std::vector<std::string>& protections,
                                        const std::vector<double>& bers, std::uint64_t image_bytes,
                                        std::uint64_t logit_rows) {
  MemoryEstimate e;
  e.clean_logits = logit_rows * static_cast<std::uint64_t>(executor.output_size()) * sizeof(float);
  e.weights = executor.weight_bytes();
  e.activations = executor.activation_bytes();
  e.images = image_bytes;
  const double max_ber = bers.empty() ? 0.0 : *std::max_element(bers.begin(), bers.end());
  for (const auto& f : formats) {
    if (memory::Format::parse(f).is_float()) e.nan_path = executor.faithful_scratch_bytes();
    for (const auto& p : protections)
      e.configuration = std::max(e.configuration, configuration_bytes(stored_sizes, f, p, max_ber));
  }
  return e;
}

}  // namespace flipguard::campaign
