// A weight tensor behind a protection stack. Write path: W -> W*c -> format encode -> data BitImage, and
// SECDED check bits into their own BitImage. Read path: SECDED decode -> format decode -> /c -> NaN guard ->
// clip. Faults are applied by the caller directly to data_bits()/check_bits(); reads see their current state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memory/stored_tensor.hpp"
#include "protect/ecc_store.hpp"
#include "protect/protection_spec.hpp"
#include "protect/read_guard.hpp"

namespace flipguard::protect {

// What one layer of the stack costs: bits added to the fault-prone memory, metadata kept outside it, and
// the extra work a read does.
struct ProtectionCost {
  std::string name;
  std::uint64_t extra_bits = 0;     // in the faulty memory (e.g. ECC check bits)
  std::uint64_t metadata_bits = 0;  // outside it (scale factors, clip ranges)
  std::string read_work;
};

struct ElementValue {
  std::size_t index;
  float value;
};

// Tally of SECDED outcomes over the words a read decoded.
struct EccCounts {
  std::uint64_t words = 0, corrected_data = 0, corrected_check = 0, detected = 0;
};

class ProtectedTensor {
 public:
  // `channels` = size of axis 0 (output channels), used by per-channel scaling, clipping and int8-channel.
  ProtectedTensor(const ProtectionSpec& spec, const memory::Format& format, std::span<const float> weights,
                  std::size_t channels = 1);

  const ProtectionSpec& spec() const { return spec_; }
  const memory::Format& format() const { return stored_.format(); }
  std::size_t size() const { return stored_.size(); }
  const memory::StoredTensor& stored() const { return stored_; }

  // The fault-prone memory: data bits, and the ECC check bits (an empty image without ECC).
  memory::BitImage& data_bits() { return stored_.bits(); }
  const memory::BitImage& data_bits() const { return stored_.bits(); }
  memory::BitImage& check_bits() { return ecc_ ? ecc_->check_bits() : no_check_; }
  const memory::BitImage& check_bits() const { return ecc_ ? ecc_->check_bits() : no_check_; }

  float scale_factor(std::size_t i) const { return c_.size() == 1 ? c_[0] : c_[i / per_channel_]; }
  const std::vector<float>& scale_factors() const { return c_; }

  // Every element through the whole read path.
  std::vector<float> read_all(EccCounts* counts = nullptr) const;
  // One element (decodes just the ECC words it overlaps).
  float read(std::size_t i) const;
  // Sparse read for a trial: given the sorted or unsorted global indices of the data and check bits that
  // faults touched, returns (index, value) for every element that may read differently from the fault-free
  // tensor, in increasing index order: elements holding a touched data bit and, with ECC, every element of
  // a touched word (a check-bit fault can mis-correct any data bit of its word).
  std::vector<ElementValue> read_touched(std::span<const std::uint64_t> data_bits,
                                         std::span<const std::uint64_t> check_bits = {},
                                         EccCounts* counts = nullptr) const;

  // Costs per layer, in stack order, and their sums.
  std::vector<ProtectionCost> costs() const;
  std::uint64_t extra_bits() const { return ecc_ ? ecc_->extra_bits() : 0; }
  // Extra stored bits relative to the data bits (0.125 for (72,64) on full words).
  double memory_overhead() const;

 private:
  float finish(std::size_t i, float decoded) const;  // unscale and guards
  float read_with_words(std::size_t i, std::span<const std::uint64_t> words,
                        std::span<const SecdedResult> decoded) const;

  ProtectionSpec spec_;
  memory::StoredTensor stored_;
  std::vector<float> c_{1.0f};
  std::size_t per_channel_ = 1;
  std::optional<EccStore> ecc_;
  std::optional<RangeClip> clip_;
  memory::BitImage no_check_;
};

}  // namespace flipguard::protect
