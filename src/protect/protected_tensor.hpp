// A weight tensor behind a protection stack: one layer per protection the spec names (protection_type.hpp
// gives the order). Write path: W -> value transforms (W*c) -> format encode -> data BitImage, and a storage
// code's check bits (SECDED) into their own BitImage. Read path: storage code decode -> format decode ->
// transforms undone (/c) -> read guards (NaN guard, then clip). Faults are applied by the caller directly to
// data_bits()/check_bits(); reads see their current state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "memory/stored_tensor.hpp"
#include "protect/protection_layer.hpp"
#include "protect/protection_spec.hpp"

namespace flipguard::protect {

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
  memory::BitImage& check_bits() { return code_ ? code_->check_bits() : no_check_; }
  const memory::BitImage& check_bits() const { return code_ ? code_->check_bits() : no_check_; }

  // Weight scaling's factors c (one, or one per output channel; {1} without scaling).
  std::vector<float> scale_factors() const;
  float scale_factor(std::size_t i) const;

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
  std::uint64_t extra_bits() const { return code_ ? code_->check_bits().size_bits() : 0; }
  // Extra stored bits relative to the data bits (0.125 for (72,64) on full words).
  double memory_overhead() const;

 private:
  // The value layers over decoded values, in read order (transforms undone in reverse, then guards).
  void finish_all(std::span<float> values) const;
  void finish(std::span<ElementValue> elements) const;
  std::vector<float> decode_all(EccCounts* counts) const;  // through the storage code, if any

  ProtectionSpec spec_;
  memory::StoredTensor stored_;
  std::vector<std::unique_ptr<ValueLayer>> transforms_;  // write order
  std::unique_ptr<StorageCode> code_;
  std::vector<std::unique_ptr<ValueLayer>> guards_;  // read order
  memory::BitImage no_check_;
  // Without a transform a read still divides by 1, as it always has (a division quiets a signalling NaN):
  // read values stay bit for bit those of earlier versions. A member, so the compiler cannot drop it.
  float unit_ = 1.0f;
};

}  // namespace flipguard::protect
