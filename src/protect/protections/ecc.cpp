// SECDED: ecc72 | ecc39 | ecc13, optionally ":zero" (the default) or ":keep", a storage code. Extended
// Hamming (72,64)/(39,32)/(13,8) check bits over consecutive data words, stored in the faulty memory beside
// the data (ecc_store.hpp); a read decodes each word it needs, and a word with a detected-uncorrectable error
// reads its weights as 0 (":zero") or as they are (":keep").
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "protect/ecc_store.hpp"
#include "protect/protection_spec.hpp"
#include "protect/protection_type.hpp"

namespace flipguard::protect {
namespace protections {
namespace {

constexpr std::array<std::string_view, 3> kWords = {"ecc72", "ecc39", "ecc13"};

void parse(std::string_view word, std::string_view options, ProtectionSpec& spec) {
  ProtectionSpec::Ecc ecc;
  ecc.kind = word == "ecc72"   ? SecdedKind::ecc72_64
             : word == "ecc39" ? SecdedKind::ecc39_32
                               : SecdedKind::ecc13_8;
  if (!options.empty()) {
    const std::string pol(options.substr(1));
    if (options[0] != ':')
      throw std::invalid_argument("a double-error policy follows ':': " + std::string(word) +
                                  ":zero or :keep");
    if (pol != "keep" && pol != "zero")
      throw std::invalid_argument("double-error policy must be 'zero' or 'keep', got '" + pol + "'");
    if (pol == "keep") ecc.policy = DoubleErrorPolicy::keep;
  }
  spec.ecc = ecc;
}

std::string format(const ProtectionSpec& spec) {
  if (!spec.ecc) return "";
  std::string p = spec.ecc->kind == SecdedKind::ecc72_64   ? "ecc72"
                  : spec.ecc->kind == SecdedKind::ecc39_32 ? "ecc39"
                                                           : "ecc13";
  if (spec.ecc->policy == DoubleErrorPolicy::keep) p += ":keep";
  return p;
}

void sort_unique(std::vector<std::uint64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::uint64_t low_mask(std::uint64_t n) {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

void count(EccCounts& tally, const SecdedResult& r) {
  ++tally.words;
  tally.corrected_data += r.status == SecdedStatus::corrected_data;
  tally.corrected_check += r.status == SecdedStatus::corrected_check;
  tally.detected += r.status == SecdedStatus::detected;
}

class Secded final : public StorageCode {
 public:
  Secded(const ProtectionSpec::Ecc& ecc, const memory::StoredTensor& stored)
      : store_(ecc.kind, stored.bits()), zero_detected_(ecc.policy == DoubleErrorPolicy::zero) {}

  memory::BitImage& check_bits() override { return store_.check_bits(); }
  const memory::BitImage& check_bits() const override { return store_.check_bits(); }

  void decode_all(const memory::StoredTensor& stored, std::span<float> out,
                  EccCounts* counts) const override {
    // One pass over the words builds the corrected image; elements then decode from it.
    memory::BitImage corrected = stored.bits();
    std::vector<std::uint64_t> bad;
    EccCounts tally;
    for (std::uint64_t w = 0; w < store_.words(); ++w) {
      const SecdedResult r = store_.decode_word(stored.bits(), w);
      count(tally, r);
      if (r.status == SecdedStatus::detected) bad.push_back(w);
      if (r.status == SecdedStatus::corrected_data) store_.put_data_word(corrected, w, r.data);
    }
    const unsigned wb = stored.bits_per_element(), k = store_.code().data_bits();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = stored.decode_pattern(i, corrected.field(i, wb));
    if (zero_detected_) {
      for (const std::uint64_t w : bad) {
        const std::uint64_t first = w * k / wb,
                            last = std::min<std::uint64_t>(out.size(), (w * k + k + wb - 1) / wb);
        for (std::uint64_t i = first; i < last; ++i) out[i] = 0.0f;
      }
    }
    if (counts) *counts = tally;
  }

  float decode(const memory::StoredTensor& stored, std::size_t i) const override {
    const unsigned wb = stored.bits_per_element(), k = store_.code().data_bits();
    std::vector<std::uint64_t> words;
    std::vector<SecdedResult> decoded;
    for (std::uint64_t w = std::uint64_t{i} * wb / k; w * k < std::uint64_t{i + 1} * wb; ++w) {
      words.push_back(w);
      decoded.push_back(store_.decode_word(stored.bits(), w));
    }
    return decode_with_words(stored, i, words, decoded);
  }

  std::vector<ElementValue> decode_touched(const memory::StoredTensor& stored,
                                           std::span<const std::uint64_t> data_bits,
                                           std::span<const std::uint64_t> check_bits,
                                           EccCounts* counts) const override {
    const unsigned wb = stored.bits_per_element(), k = store_.code().data_bits();
    std::vector<std::uint64_t> touched;
    touched.reserve(data_bits.size() + check_bits.size());
    for (const std::uint64_t b : data_bits) touched.push_back(store_.word_of_data_bit(b));
    for (const std::uint64_t b : check_bits) touched.push_back(store_.word_of_check_bit(b));
    sort_unique(touched);
    // Every element of a touched word (a check-bit fault can mis-correct any data bit of its word), then
    // every word those elements overlap (an element may span words).
    std::vector<std::uint64_t> elems, words;
    for (const std::uint64_t w : touched) {
      const std::uint64_t last = std::min<std::uint64_t>(stored.size(), (w * k + k + wb - 1) / wb);
      for (std::uint64_t i = w * k / wb; i < last; ++i) elems.push_back(i);
    }
    sort_unique(elems);
    for (const std::uint64_t i : elems)
      for (std::uint64_t w = i * wb / k; w * k < (i + 1) * wb; ++w) words.push_back(w);
    sort_unique(words);
    std::vector<SecdedResult> decoded;
    decoded.reserve(words.size());
    EccCounts tally;
    for (const std::uint64_t w : words) {
      decoded.push_back(store_.decode_word(stored.bits(), w));
      count(tally, decoded.back());
    }
    std::vector<ElementValue> out;
    out.reserve(elems.size());
    for (const std::uint64_t i : elems) out.push_back({i, decode_with_words(stored, i, words, decoded)});
    if (counts) *counts = tally;
    return out;
  }

  ProtectionCost cost() const override {
    return {"secded" + store_.code().name(), store_.extra_bits(), 0,
            std::to_string(store_.code().check_bits()) + " parity trees over " +
                std::to_string(store_.code().data_bits()) +
                " bits per word, correction on a non-zero syndrome"};
  }

 private:
  // Element i from the decoded words overlapping it (`words` sorted, `decoded` beside them).
  float decode_with_words(const memory::StoredTensor& stored, std::size_t i,
                          std::span<const std::uint64_t> words, std::span<const SecdedResult> decoded) const {
    const unsigned wb = stored.bits_per_element(), k = store_.code().data_bits();
    const std::uint64_t start = static_cast<std::uint64_t>(i) * wb, end = start + wb;
    std::uint32_t pattern = 0;
    for (std::uint64_t w = start / k; w * k < end; ++w) {
      const auto it = std::lower_bound(words.begin(), words.end(), w);
      const SecdedResult& r = decoded[static_cast<std::size_t>(it - words.begin())];
      if (r.status == SecdedStatus::detected && zero_detected_)
        return 0.0f;  // the controller reports the word bad: its weights read as 0
      const std::uint64_t lo = std::max(start, w * k), hi = std::min(end, w * k + k);
      pattern |= static_cast<std::uint32_t>(((r.data >> (lo - w * k)) & low_mask(hi - lo)) << (lo - start));
    }
    return stored.decode_pattern(i, pattern);
  }

  EccStore store_;
  bool zero_detected_;
};

std::unique_ptr<StorageCode> make_code(const ProtectionInput& in) {
  return std::make_unique<Secded>(*in.spec.ecc, *in.stored);
}

std::uint64_t extra_bits(const ProtectionSpec& spec, std::uint64_t data_bits) {
  const SecdedCode code(spec.ecc->kind);
  return (data_bits + code.data_bits() - 1) / code.data_bits() * code.check_bits();
}

}  // namespace

extern constinit const ProtectionType secded{
    .name = "ecc",
    .title = "SECDED",
    .words = kWords,
    .syntax = "ecc72|ecc39|ecc13[:zero|:keep]",
    .summary =
        "SECDED (72,64)/(39,32)/(13,8): check bits in the faulty memory beside each data word; one flip "
        "per word is corrected, two are detected and the word's weights or activations read as 0 (:zero, the "
        "default) or as they are (:keep)",
    .example = "ecc39:keep",
    .stage = ProtectionStage::storage_code,
    .takes_options = true,
    .parse = parse,
    .format = format,
    .make_code = make_code,
    .extra_bits = extra_bits,
};

}  // namespace protections
}  // namespace flipguard::protect
