#include "protect/protected_tensor.hpp"

#include <algorithm>
#include <stdexcept>

namespace flipguard::protect {

namespace {

void sort_unique(std::vector<std::uint64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool divides_on_read(const ProtectionSpec& spec) {
  return spec.scaling && !spec.scaling->at_logits;
}

std::uint64_t low_mask(std::uint64_t n) {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

}  // namespace

ProtectedTensor::ProtectedTensor(const ProtectionSpec& spec, const memory::Format& format,
                                 std::span<const float> weights, std::size_t channels)
    : spec_(spec) {
  if (channels == 0 || weights.size() % channels != 0)
    throw std::invalid_argument("protected tensor: " + std::to_string(weights.size()) +
                                " weights cannot be split into " + std::to_string(channels) +
                                " output channels");
  per_channel_ = std::max<std::size_t>(1, weights.size() / channels);
  std::vector<float> scaled(weights.begin(), weights.end());
  // INT8 maps max|W| to 127 whatever W was multiplied by first, so scaling is skipped there (c stays 1).
  // scale@logits weights arrive scaled and are read back scaled (c stays 1 too).
  if (divides_on_read(spec) && !format.is_int8()) {
    const auto t = static_cast<float>(spec.scale_target(format));
    c_ = scaling_factors(weights, channels, spec.scaling->granularity, t);
    for (std::size_t i = 0; i < scaled.size(); ++i) scaled[i] *= scale_factor(i);
  }
  stored_ = memory::StoredTensor(format, scaled, channels);
  if (spec.ecc) ecc_.emplace(spec.ecc->kind, stored_.bits());
  if (spec.clip) {
    std::vector<float> clean(stored_.size());
    for (std::size_t i = 0; i < clean.size(); ++i) clean[i] = finish(i, stored_.decode(i));
    clip_.emplace(clean, *spec.clip == Granularity::per_channel ? channels : 1);
  }
}

float ProtectedTensor::finish(std::size_t i, float decoded) const {
  float v = decoded / scale_factor(i);
  if (spec_.nan_guard) v = NanGuard{}(v);
  if (clip_) v = (*clip_)(i, v);
  return v;
}

float ProtectedTensor::read_with_words(std::size_t i, std::span<const std::uint64_t> words,
                                       std::span<const SecdedResult> decoded) const {
  const unsigned wb = stored_.bits_per_element(), k = ecc_->code().data_bits();
  const std::uint64_t start = static_cast<std::uint64_t>(i) * wb, end = start + wb;
  std::uint32_t pattern = 0;
  for (std::uint64_t w = start / k; w * k < end; ++w) {
    const auto it = std::lower_bound(words.begin(), words.end(), w);
    const SecdedResult& r = decoded[static_cast<std::size_t>(it - words.begin())];
    if (r.status == SecdedStatus::detected && spec_.ecc->policy == DoubleErrorPolicy::zero)
      return finish(i, 0.0f);  // the controller reports the word bad: its weights read as 0
    const std::uint64_t lo = std::max(start, w * k), hi = std::min(end, w * k + k);
    pattern |= static_cast<std::uint32_t>(((r.data >> (lo - w * k)) & low_mask(hi - lo)) << (lo - start));
  }
  return finish(i, stored_.decode_pattern(i, pattern));
}

std::vector<float> ProtectedTensor::read_all(EccCounts* counts) const {
  std::vector<float> out(size());
  if (!ecc_) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = finish(i, stored_.decode(i));
    return out;
  }
  // One pass over the words builds the corrected image; elements then read from it.
  memory::BitImage corrected = stored_.bits();
  std::vector<std::uint64_t> bad;
  EccCounts tally;
  for (std::uint64_t w = 0; w < ecc_->words(); ++w) {
    const SecdedResult r = ecc_->decode_word(stored_.bits(), w);
    ++tally.words;
    tally.corrected_data += r.status == SecdedStatus::corrected_data;
    tally.corrected_check += r.status == SecdedStatus::corrected_check;
    if (r.status == SecdedStatus::detected) {
      ++tally.detected;
      bad.push_back(w);
    }
    if (r.status == SecdedStatus::corrected_data) ecc_->put_data_word(corrected, w, r.data);
  }
  const unsigned wb = stored_.bits_per_element(), k = ecc_->code().data_bits();
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = finish(i, stored_.decode_pattern(i, corrected.field(i, wb)));
  if (spec_.ecc->policy == DoubleErrorPolicy::zero) {
    for (const std::uint64_t w : bad) {
      const std::uint64_t first = w * k / wb,
                          last = std::min<std::uint64_t>(size(), (w * k + k + wb - 1) / wb);
      for (std::uint64_t i = first; i < last; ++i) out[i] = finish(i, 0.0f);
    }
  }
  if (counts) *counts = tally;
  return out;
}

float ProtectedTensor::read(std::size_t i) const {
  if (i >= size())
    throw std::out_of_range("protected tensor: element " + std::to_string(i) + " of " +
                            std::to_string(size()));
  if (!ecc_) return finish(i, stored_.decode(i));
  const unsigned wb = stored_.bits_per_element(), k = ecc_->code().data_bits();
  std::vector<std::uint64_t> words;
  std::vector<SecdedResult> decoded;
  for (std::uint64_t w = std::uint64_t{i} * wb / k; w * k < std::uint64_t{i + 1} * wb; ++w) {
    words.push_back(w);
    decoded.push_back(ecc_->decode_word(stored_.bits(), w));
  }
  return read_with_words(i, words, decoded);
}

std::vector<ElementValue> ProtectedTensor::read_touched(std::span<const std::uint64_t> data_bits,
                                                        std::span<const std::uint64_t> check_bits,
                                                        EccCounts* counts) const {
  const unsigned wb = stored_.bits_per_element();
  const std::uint64_t ndata = stored_.bits().size_bits();
  for (const std::uint64_t b : data_bits)
    if (b >= ndata)
      throw std::out_of_range("read_touched: data bit " + std::to_string(b) + " past the " +
                              std::to_string(ndata) + "-bit image");
  std::vector<ElementValue> out;
  if (!ecc_) {
    if (!check_bits.empty())
      throw std::invalid_argument("read_touched: check bits given but protection '" + spec_.to_string() +
                                  "' stores none");
    std::vector<std::uint64_t> elems;
    elems.reserve(data_bits.size());
    for (const std::uint64_t b : data_bits) elems.push_back(b / wb);
    sort_unique(elems);
    out.reserve(elems.size());
    for (const std::uint64_t i : elems) out.push_back({i, finish(i, stored_.decode(i))});
    return out;
  }
  const unsigned k = ecc_->code().data_bits();
  const std::uint64_t ncheck = ecc_->check_bits().size_bits();
  std::vector<std::uint64_t> touched;
  touched.reserve(data_bits.size() + check_bits.size());
  for (const std::uint64_t b : data_bits) touched.push_back(ecc_->word_of_data_bit(b));
  for (const std::uint64_t b : check_bits) {
    if (b >= ncheck)
      throw std::out_of_range("read_touched: check bit " + std::to_string(b) + " past the " +
                              std::to_string(ncheck) + "-bit check image");
    touched.push_back(ecc_->word_of_check_bit(b));
  }
  sort_unique(touched);
  // Every element of a touched word, then every word those elements overlap (an element may span words).
  std::vector<std::uint64_t> elems, words;
  for (const std::uint64_t w : touched) {
    const std::uint64_t last = std::min<std::uint64_t>(size(), (w * k + k + wb - 1) / wb);
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
    decoded.push_back(ecc_->decode_word(stored_.bits(), w));
    ++tally.words;
    tally.corrected_data += decoded.back().status == SecdedStatus::corrected_data;
    tally.corrected_check += decoded.back().status == SecdedStatus::corrected_check;
    tally.detected += decoded.back().status == SecdedStatus::detected;
  }
  out.reserve(elems.size());
  for (const std::uint64_t i : elems) out.push_back({i, read_with_words(i, words, decoded)});
  if (counts) *counts = tally;
  return out;
}

std::vector<ProtectionCost> ProtectedTensor::costs() const {
  std::vector<ProtectionCost> out;
  if (divides_on_read(spec_)) {
    if (format().is_int8())
      out.push_back({"scale", 0, 0, "none: a no-op for int8, whose own scale already maps max|W| to 127"});
    else
      out.push_back({spec_.scaling->granularity == Granularity::per_tensor ? "scale" : "scale-channel", 0,
                     32 * c_.size(), "1 division per weight"});
  }
  out.push_back({"format " + format().name(), 0, 32 * stored_.scales().size(),
                 format().is_int8() ? "1 multiply per weight" : "decode per weight"});
  if (ecc_)
    out.push_back({"secded" + ecc_->code().name(), ecc_->extra_bits(), 0,
                   std::to_string(ecc_->code().check_bits()) + " parity trees over " +
                       std::to_string(ecc_->code().data_bits()) +
                       " bits per word, correction on a non-zero syndrome"});
  if (spec_.nan_guard) out.push_back({"nanguard", 0, 0, "1 finiteness test per weight"});
  if (clip_)
    out.push_back({*spec_.clip == Granularity::per_tensor ? "clip" : "clip-channel", 0, 64 * clip_->ranges(),
                   "2 comparisons per weight"});
  return out;
}

double ProtectedTensor::memory_overhead() const {
  const std::uint64_t n = stored_.bits().size_bits();
  return n == 0 ? 0.0 : static_cast<double>(extra_bits()) / static_cast<double>(n);
}

}  // namespace flipguard::protect
