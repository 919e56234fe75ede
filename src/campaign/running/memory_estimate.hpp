// A campaign's peak memory, before it runs: the formula of docs/memory.md from the sizes the executor, the
// stored-weight configurations and the preloaded images will take. Printed at campaign start so a study that
// cannot fit is seen before hours of work, and checked against measured peaks in tests/robustness.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/executor.hpp"

namespace flipguard::campaign {

// Process memory that does not scale with the model or the data: the resident code and data of the binary and
// its libraries (oneDNN, protobuf, libstdc++), oneDNN's JIT kernels and scratchpad, OpenMP threads. Measured
// at 16-20 MiB on ResNet-20, SqueezeNet 1.1, MobileNet v2 and ResNet-50 campaigns (peak RSS minus the other
// terms; about 0.1 MiB more per thread), rounded up (docs/memory.md); 5.5 MiB more since OpenSSL's libcrypto
// hashes the model (its code and provider set-up: ResNet-20's campaign 33.1 MiB peak, was 27.7).
inline constexpr std::uint64_t kFixedOverheadBytes = 30ull << 20;
// Heap slack on the model- and data-sized terms: memory freed between configurations that malloc keeps.
inline constexpr double kHeapSlack = 0.05;

struct MemoryEstimate {
  std::uint64_t weights = 0;        // the executor's copies of the model's weights
  std::uint64_t configuration = 0;  // the largest (format x protection): stored bits, check bits, clean read
  std::uint64_t activations = 0;    // the executor's memory plan at the campaign's batch size
  std::uint64_t images = 0;         // the preloaded image set: images x C x H x W x 4 bytes
  // The configuration's fault-free logits, kept for SDC: images x classes x 4 bytes (plus a per-trial
  // sample's rows: images_per_trial x classes x 4).
  std::uint64_t clean_logits = 0;
  // The fault-free activations kept at the first faulted layer (campaign/clean_prefix.hpp), when trials
  // start there.
  std::uint64_t kept_activations = 0;
  // What the engine's NaN-faithful steps keep once a NaN met them: only float formats hold non-finite
  // weights, so only their campaigns count it.
  std::uint64_t nan_path = 0;
  std::uint64_t fixed = kFixedOverheadBytes;

  std::uint64_t variable() const {
    return weights + configuration + activations + images + clean_logits + kept_activations + nan_path;
  }
  std::uint64_t slack() const {
    return static_cast<std::uint64_t>(kHeapSlack * static_cast<double>(variable()));
  }
  std::uint64_t total() const { return variable() + slack() + fixed; }
  // "memory estimate: 617 MiB peak = weights 293.6 + largest configuration 156.7 + activations 85.8 + images
  // 28.7 + clean logits 0.5 + slack 28.2 + fixed 24 (MiB)"
  std::string describe() const;
};

// Bytes one configuration holds while its trials run, over `slots` (element counts of the faulted weights):
// per weight its stored bits (format bits, packed in 64-bit words) and ECC check bits, its fault-free read
// (4 bytes); the largest tensor's scaled copy while it is built (8 bytes per element); and the sparse trial
// buffers, about 64 bytes per expected fault at `max_ber`.
std::uint64_t configuration_bytes(std::span<const std::int64_t> slot_sizes, const std::string& format,
                                  const std::string& protection, double max_ber);

// `stored_sizes`: the element counts one configuration stores (fault_sites::FaultSite::stored_sizes).
// `logit_rows`: the fault-free logit rows kept (the images, plus a per-trial sample's), each of the
// executor's output size.
MemoryEstimate estimate_campaign_memory(const engine::Executor& executor,
                                        std::span<const std::int64_t> stored_sizes,
                                        const std::vector<std::string>& formats,
                                        const std::vector<std::string>& protections,
                                        const std::vector<double>& bers, std::uint64_t image_bytes,
                                        std::uint64_t logit_rows = 0);

}  // namespace flipguard::campaign
