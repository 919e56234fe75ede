#include "fault_sites/activations/value_ecc.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace flipguard::fault_sites {
namespace {

std::uint64_t low_mask(unsigned n) {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

}  // namespace

ImageFaultCounts apply_coded_faults(const ValueDraw& draw, const ValueEcc& ecc, std::uint64_t image,
                                    const faults::FaultMap& data, const faults::FaultMap& check,
                                    engine::ValueView& view, int row, const FaultLog* log) {
  const unsigned w = draw.format.bits(), k = ecc.code.data_bits(), c = ecc.code.check_bits();
  // A block of max(w, k) bits holds whole elements and whole codewords (widths and k are powers of two), at
  // most 64 bits: eight int8 words under ecc72, or four ecc13 codewords over one fp32 word.
  const unsigned block = std::max(w, k);
  if (block % w != 0 || block % k != 0 || block > 64)
    throw std::logic_error("ecc on activations: " + std::to_string(w) + "-bit words in " + std::to_string(k) +
                           "-bit codewords");
  const auto n = static_cast<std::uint64_t>(view.elements_per_image());
  const std::uint64_t words = ecc.codewords(n, w);
  const auto& df = data.faults();
  const auto& cf = check.faults();
  if (df.empty() && cf.empty()) return {};

  std::vector<std::uint64_t> blocks;
  blocks.reserve(df.size() + cf.size());
  for (const auto& f : df) blocks.push_back(f.bit / block);
  for (const auto& f : cf) blocks.push_back(f.bit / c * k / block);
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());

  ImageFaultCounts counts;
  std::size_t di = 0, ci = 0;  // the next data and check faults (both lists sorted, blocks visited in order)
  const std::uint64_t elem_mask = low_mask(w), data_mask = low_mask(k);
  for (const std::uint64_t b : blocks) {
    const std::uint64_t e0 = b * block / w, e1 = std::min(n, (b + 1) * block / w);
    const std::uint64_t q0 = b * block / k, q1 = std::min(words, (b + 1) * block / k);
    std::array<float, 8> before{};
    std::uint64_t clean = 0;  // the block's stored data bits, element e0 at bit 0
    for (std::uint64_t e = e0; e < e1; ++e) {
      before[e - e0] = view.get(row, static_cast<std::int64_t>(e));
      clean |= std::uint64_t{draw.format.encode(before[e - e0], draw.scale)} << ((e - e0) * w);
    }
    std::uint64_t decoded = clean;
    unsigned detected = 0;  // codewords of the block the decoder reported, bit q - q0
    for (std::uint64_t q = q0; q < q1; ++q) {
      const auto at = static_cast<unsigned>((q - q0) * k);
      const std::uint64_t stored = (clean >> at) & data_mask;
      const std::uint32_t stored_check = ecc.code.encode(stored);
      std::uint64_t got = stored;
      std::uint32_t got_check = stored_check;
      for (; di < df.size() && df[di].bit < (q + 1) * k; ++di)
        got = faults::with_fault(got, df[di].bit - q * k, df[di].kind);
      for (; ci < cf.size() && cf[ci].bit < (q + 1) * c; ++ci)
        got_check = faults::with_fault(got_check, cf[ci].bit - q * c, cf[ci].kind);
      if (got == stored && got_check == stored_check) continue;  // stuck bits that held their values
      counts.flips += std::popcount(got ^ stored) + std::popcount(got_check ^ stored_check);
      const protect::SecdedResult r = ecc.code.decode(got, got_check);
      counts.corrected += r.status == protect::SecdedStatus::corrected_data ||
                          r.status == protect::SecdedStatus::corrected_check;
      if (r.status == protect::SecdedStatus::detected) {
        ++counts.detected;
        detected |= 1u << (q - q0);
      }
      decoded = (decoded & ~(data_mask << at)) | (r.data << at);
    }
    for (std::uint64_t e = e0; e < e1; ++e) {
      const auto at = static_cast<unsigned>((e - e0) * w);
      const auto word_before = static_cast<std::uint32_t>((clean >> at) & elem_mask);
      // The codewords element e lies in, as bits of `detected`.
      const unsigned first = at / k, last = (at + w - 1) / k;
      const bool zeroed = ecc.zero_detected && ((detected >> first) & ((2u << (last - first)) - 1)) != 0;
      const float after =
          zeroed ? 0.0f
                 : draw.format.decode(static_cast<std::uint32_t>((decoded >> at) & elem_mask), draw.scale);
      const std::uint32_t word_after = zeroed ? draw.format.encode(0.0f, draw.scale)
                                              : static_cast<std::uint32_t>((decoded >> at) & elem_mask);
      if (word_after == word_before) continue;
      const auto i = static_cast<std::int64_t>(e);
      view.set(row, i, after);
      if (std::memcmp(&before[e - e0], &after, sizeof(float)) != 0) ++counts.changed;
      if (is_extreme(after)) ++counts.extreme;
      if (log) (*log)({draw.value, image, i, word_before, word_after, before[e - e0], after});
    }
  }
  return counts;
}

}  // namespace flipguard::fault_sites
