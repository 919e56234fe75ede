// One kind of protection: the single place its tokens and their grammar, its documentation, where it acts in
// the stack, its read-back and its costs live. A protection spec ("scale+ecc72+clip") names entries of the
// registry (protection_registry.hpp); ProtectedTensor builds one layer (protection_layer.hpp) per entry the
// spec names and runs them in stack order:
//
//   write: value transforms (in registry order) -> format encode -> storage code (check bits)
//   read:  storage code decode -> format decode -> transforms undone (in reverse) -> read guards
//   (guard_order)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "memory/format.hpp"
#include "memory/stored_tensor.hpp"
#include "protect/protection_layer.hpp"

namespace flipguard::protect {

struct ProtectionSpec;

enum class ProtectionStage {
  value_transform,  // a value change before storing, undone after reading (weight scaling)
  storage_code,     // check bits over the stored words, in the same faulty memory (SECDED); one per spec
  read_guard,       // a check on each value read (clip, nanguard)
};

// What a layer is built from.
struct ProtectionInput {
  const ProtectionSpec& spec;
  std::string_view token;  // the token as written, lowercase: what an entry without a parse reads
  const memory::Format& format;
  std::span<const float> weights;      // the values the tensor was given, before any transform
  std::size_t channels = 1;            // size of axis 0 (output channels)
  std::span<const float> clean_read;   // read guards with needs_clean_read: the fault-free read so far
  const memory::StoredTensor* stored;  // storage codes: the stored data they cover
};

struct ProtectionType {
  std::string_view name = {};   // the entry's name: "ecc"
  std::string_view title = {};  // a few words for prose lists: "SECDED"
  // The words a token starts with (before '=' or ':'): {"ecc72", "ecc39", "ecc13"}. Empty: just `name`.
  std::span<const std::string_view> words = {};
  std::string_view syntax = {};   // its forms, for help and errors: "ecc72|ecc39|ecc13[:zero|:keep]"
  std::string_view summary = {};  // what it does, one line for docs
  std::string_view example = {};  // one token, as canonical: "ecc39:keep"
  ProtectionStage stage = ProtectionStage::read_guard;
  // Read guards apply in increasing guard_order (then registry order): nanguard (0) zeroes an Inf before
  // clip (1) would clamp it.
  int guard_order = 100;
  bool needs_clean_read = false;  // read guards built from the fault-free read (clip's ranges)
  bool takes_options = false;     // a token may carry '=' or ':' options after its word

  // Grammar. The built-ins keep their parameters in ProtectionSpec's members: `parse` reads one token (its
  // word and options, "" or starting with '=' or ':') into them, throwing std::invalid_argument with what is
  // wrong (the caller names the token and the spec); `format` gives the canonical token, "" when the spec
  // holds none. An entry without them (one registered from outside the library) is held in
  // ProtectionSpec::added as the token written.
  void (*parse)(std::string_view word, std::string_view options, ProtectionSpec& spec) = nullptr;
  std::string (*format)(const ProtectionSpec& spec) = nullptr;
  // Throws std::invalid_argument when the spec cannot protect `format` (a scaling target above its range).
  void (*check_format)(const ProtectionSpec& spec, const memory::Format& format) = nullptr;

  // The stack. Value transforms and read guards build a ValueLayer (null: nothing to do for this tensor),
  // storage codes a StorageCode; `extra_bits` is what a storage code adds to the faulty memory for
  // `data_bits` stored bits, for memory estimates before any tensor is built.
  std::unique_ptr<ValueLayer> (*make_layer)(const ProtectionInput& input) = nullptr;
  std::unique_ptr<StorageCode> (*make_code)(const ProtectionInput& input) = nullptr;
  std::uint64_t (*extra_bits)(const ProtectionSpec& spec, std::uint64_t data_bits) = nullptr;
};

}  // namespace flipguard::protect
