// One trial's faults on one region of stored bits: a sparse list sorted by bit index. Applying it to a
// BitImage returns a record of the bits that actually changed, which is exactly what undo needs (a stuck-at
// on a bit that already holds that value changes nothing and must not be "restored").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faults/applied_faults.hpp"
#include "memory/bit_image.hpp"

namespace flipguard::faults {

enum class FaultKind : std::uint8_t { kFlip = 0, kStuck0 = 1, kStuck1 = 2 };

std::string_view to_string(FaultKind kind);

// `word` with bit `bit` (below the word's width) flipped, cleared or set as `kind` says.
template <class Word>
constexpr Word with_fault(Word word, std::uint64_t bit, FaultKind kind) {
  const Word mask = static_cast<Word>(Word{1} << bit);
  switch (kind) {
    case FaultKind::kFlip:
      return word ^ mask;
    case FaultKind::kStuck0:
      return word & static_cast<Word>(~mask);
    case FaultKind::kStuck1:
      return word | mask;
  }
  return word;
}

struct Fault {
  std::uint64_t bit = 0;  // index within the region
  FaultKind kind = FaultKind::kFlip;

  friend bool operator==(const Fault&, const Fault&) = default;
};

class FaultMap {
 public:
  FaultMap() = default;
  // Faults in any order; sorts them. Throws if a bit is outside [0, region_bits) or appears twice.
  FaultMap(std::uint64_t region_bits, std::vector<Fault> faults);

  std::uint64_t region_bits() const { return region_bits_; }
  const std::vector<Fault>& faults() const& { return faults_; }
  // By value on a temporary, so `for (auto& f : sample_faults(...).faults())` does not dangle.
  std::vector<Fault> faults() && { return std::move(faults_); }
  std::size_t size() const { return faults_.size(); }
  bool empty() const { return faults_.empty(); }

  // Sorted, unique indices of the elements of `width` bits that hold at least one fault (element i occupies
  // bits [i*width, (i+1)*width) of the region). The read path decodes only these.
  std::vector<std::uint64_t> touched_elements(unsigned width) const;

  // Applies the faults to bits [base, base + region_bits) of `image`.
  AppliedFaults apply(memory::BitImage& image, std::uint64_t base = 0) const;

  // Text format, one fault per line so a trial can be inspected, diffed and re-applied:
  //   flipguard-faultmap 1
  //   region_bits <N>
  //   faults <K>
  //   <bit> <flip|stuck0|stuck1>      (K lines, bit strictly increasing, bit < N)
  // Lines starting with '#' and blank lines are ignored. `name` labels errors ("<name>:<line>: ...").
  void write(std::ostream& out) const;
  static FaultMap read(std::istream& in, const std::string& name);
  void save(const std::string& path) const;
  static FaultMap load(const std::string& path);

  friend bool operator==(const FaultMap&, const FaultMap&) = default;

 private:
  std::uint64_t region_bits_ = 0;
  std::vector<Fault> faults_;
};

}  // namespace flipguard::faults
