// The layers a protection stack is made of, one per protection of a tensor (protection_type.hpp builds
// them): value layers (transforms such as weight scaling, read guards such as clip) act on values, a storage
// code (SECDED) on stored words. The stack calls a layer once per read, over every element that read
// returns, never once per element: a layer's per-element work inlines into its own loop (ElementwiseLayer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "memory/bit_image.hpp"
#include "memory/stored_tensor.hpp"

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

// Tally of a storage code's outcomes (SECDED's) over the words a read decoded.
struct EccCounts {
  std::uint64_t words = 0, corrected_data = 0, corrected_check = 0, detected = 0;
};

// A layer over values: a transform (applied before storing, undone after reading) or a read guard.
class ValueLayer {
 public:
  virtual ~ValueLayer() = default;

  // Write path, transforms only: the values about to be stored, in place.
  virtual void write(std::span<float> values) const { (void)values; }
  // Read path over every element (element i at position i), in place.
  virtual void read_all(std::span<float> values) const = 0;
  // Read path over some elements (increasing indices), in place.
  virtual void read(std::span<ElementValue> elements) const = 0;
  virtual ProtectionCost cost() const = 0;
  // A transform that multiplies before storing: its factors (one, or one per output channel); empty for
  // every other layer.
  virtual std::span<const float> scale_factors() const { return {}; }
};

// A value layer whose read is one function of (index, value), `float Derived::read_one(std::size_t, float)`,
// which both batch reads call directly: no virtual call per element. A layer with per-channel parameters
// may override read_all to walk the channels' blocks instead of dividing each index.
template <typename Derived>
class ElementwiseLayer : public ValueLayer {
 public:
  void read_all(std::span<float> values) const override {
    const auto& self = static_cast<const Derived&>(*this);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = self.read_one(i, values[i]);
  }
  void read(std::span<ElementValue> elements) const final {
    const auto& self = static_cast<const Derived&>(*this);
    for (ElementValue& e : elements) e.value = self.read_one(e.index, e.value);
  }
};

// A code over the stored words: its check bits live in the faulty memory beside the data (and take faults
// from their own stream), and its decode turns the stored words, data and check bits as they are now, into
// the values the format decodes them to.
class StorageCode {
 public:
  virtual ~StorageCode() = default;

  virtual memory::BitImage& check_bits() = 0;
  virtual const memory::BitImage& check_bits() const = 0;

  // Every element's decoded value.
  virtual void decode_all(const memory::StoredTensor& stored, std::span<float> out,
                          EccCounts* counts) const = 0;
  // Element i's decoded value.
  virtual float decode(const memory::StoredTensor& stored, std::size_t i) const = 0;
  // Given the data and check bits faults touched (in range, any order), every element that may decode
  // differently from the fault-free tensor, in increasing index order, with its decoded value.
  virtual std::vector<ElementValue> decode_touched(const memory::StoredTensor& stored,
                                                   std::span<const std::uint64_t> data_bits,
                                                   std::span<const std::uint64_t> check_bits,
                                                   EccCounts* counts) const = 0;
  virtual ProtectionCost cost() const = 0;
};

}  // namespace flipguard::protect
