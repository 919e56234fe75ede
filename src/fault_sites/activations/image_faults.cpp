#include "fault_sites/activations/image_faults.hpp"

#include <bit>
#include <cstring>

#include "fault_sites/activations/value_ecc.hpp"
#include "faults/fault_model_registry.hpp"
#include "faults/rng.hpp"
#include "faults/sampler.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::fault_sites {
namespace {

// The data faults, and under the draw's ECC its check-bit faults too, applied to row `row` of `view`.
ImageFaultCounts apply_maps(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& data,
                            const faults::FaultMap& check, engine::ValueView& view, int row,
                            const FaultLog* log) {
  if (!draw.ecc) return apply_fault_map(draw, image, data, view, row, log);
  return apply_coded_faults(draw, *draw.ecc, image, data, check, view, row, log);
}

// The check bits of the draw's ECC over `elements` elements (0 without ECC).
std::uint64_t check_bits_of(const ValueDraw& draw, std::int64_t elements) {
  return draw.ecc ? draw.ecc->check_bits(static_cast<std::uint64_t>(elements), draw.format.bits()) : 0;
}

}  // namespace

bool redrawn_per_image(const faults::FaultModel& model) {
  const auto& type = model.type();
  if (type.one_per_image) return true;
  if (!type.takes_rate) return false;  // targeted flips name their elements: the same on every image
  return !(type.per_bit_fault && *type.per_bit_fault != faults::FaultKind::kFlip);
}

std::uint64_t value_key(const std::string& value) {
  return hashing::fnv1a(hashing::kFnvOffset, value.data(), value.size());
}

ImageFaultCounts apply_single_fault(const ValueDraw& draw, std::uint64_t image, std::uint64_t bit,
                                    engine::ValueView& view, int row, const FaultLog* log) {
  const std::uint64_t data_bits = static_cast<std::uint64_t>(view.elements_per_image()) * draw.format.bits();
  const bool in_data = bit < data_bits;  // else one of the check bits that follow the data bits
  const faults::Fault flip{in_data ? bit : bit - data_bits, faults::FaultKind::kFlip};
  const faults::FaultMap data(data_bits, in_data ? std::vector{flip} : std::vector<faults::Fault>{});
  const faults::FaultMap check(check_bits_of(draw, view.elements_per_image()),
                               in_data ? std::vector<faults::Fault>{} : std::vector{flip});
  return apply_maps(draw, image, data, check, view, row, log);
}

ImageFaultMaps draw_image_faults(const ValueDraw& draw, std::uint64_t image, std::int64_t elements) {
  const auto n = static_cast<std::uint64_t>(elements);
  // +1: image 0 must not fold to the key of the faults every image shares.
  const std::uint64_t tensor = draw.per_image ? faults::mix64(draw.key ^ faults::mix64(image + 1)) : draw.key;
  ImageFaultMaps maps;
  maps.data = faults::sample_faults(
      draw.model, {n, draw.format.bits(), draw.value},
      {draw.seed, draw.trial, tensor, static_cast<std::uint64_t>(faults::Stream::kActivations)});
  if (!draw.ecc) return maps;
  const std::uint64_t check_bits = check_bits_of(draw, elements);
  maps.check = draw.model.bit_positions.empty()
                   ? faults::sample_faults(draw.model, {check_bits, 1, draw.value},
                                           {draw.seed, draw.trial, tensor,
                                            static_cast<std::uint64_t>(faults::Stream::kActivationCheck)})
                   : faults::FaultMap(check_bits, {});
  return maps;
}

ImageFaultCounts apply_image_faults(const ValueDraw& draw, std::uint64_t image, engine::ValueView& view,
                                    int row, const FaultLog* log) {
  const auto maps = draw_image_faults(draw, image, view.elements_per_image());
  return apply_maps(draw, image, maps.data, maps.check, view, row, log);
}

SingleFault draw_single_fault(std::uint64_t seed, std::uint64_t trial, std::uint64_t image,
                              std::span<const std::uint64_t> value_bits) {
  std::uint64_t total = 0;
  for (const auto b : value_bits) total += b;
  // Keyed by the image alone (no value): one draw decides the value and the bit.
  faults::KeyedRng rng({seed, trial, faults::mix64(image + 1) ^ 0x51e61e5eedULL,
                        static_cast<std::uint64_t>(faults::Stream::kActivations)});
  std::uint64_t bit = rng.below(total);
  std::size_t v = 0;
  while (bit >= value_bits[v]) bit -= value_bits[v++];
  const double unit = rng.uniform_open();
  return {v, bit, unit, rng.uniform_open()};
}

namespace {

// What replacing the word `clean` of element `i` (read as `before`) by `word` did, counting and logging it.
void note_change(const ValueDraw& draw, std::uint64_t image, std::int64_t i, float before,
                 std::uint32_t clean, std::uint32_t word, float after, ImageFaultCounts& counts,
                 const FaultLog* log) {
  counts.flips += std::popcount(word ^ clean);
  if (std::memcmp(&before, &after, sizeof(float)) != 0) ++counts.changed;
  if (is_extreme(after)) ++counts.extreme;
  if (log) (*log)({draw.value, image, i, clean, word, before, after});
}

}  // namespace

ImageFaultCounts apply_data_faults(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& map,
                                   engine::ValueView& view, int row, const FaultLog* log) {
  return apply_maps(draw, image, map, faults::FaultMap(check_bits_of(draw, view.elements_per_image()), {}),
                    view, row, log);
}

ImageFaultCounts apply_random_value(const ValueDraw& draw, std::uint64_t image, std::int64_t element,
                                    double value, engine::ValueView& view, int row, const FaultLog* log) {
  ImageFaultCounts counts;
  const float before = view.get(row, element);
  const std::uint32_t clean = draw.format.encode(before, draw.scale);
  const std::uint32_t word = draw.format.encode(static_cast<float>(value), draw.scale);
  if (word == clean) return counts;  // the value it already held
  if (draw.ecc) {                    // the word's differing bits, as errors the decoder meets
    const unsigned width = draw.format.bits();
    std::vector<faults::Fault> flips;
    for (unsigned b = 0; b < width; ++b)
      if ((word ^ clean) >> b & 1u)
        flips.push_back({static_cast<std::uint64_t>(element) * width + b, faults::FaultKind::kFlip});
    const auto n = static_cast<std::uint64_t>(view.elements_per_image());
    return apply_data_faults(draw, image, faults::FaultMap(n * width, std::move(flips)), view, row, log);
  }
  const float after = draw.format.decode(word, draw.scale);
  view.set(row, element, after);
  note_change(draw, image, element, before, clean, word, after, counts, log);
  return counts;
}

ImageFaultCounts apply_fault_map(const ValueDraw& draw, std::uint64_t image, const faults::FaultMap& map,
                                 engine::ValueView& view, int row, const FaultLog* log) {
  const unsigned width = draw.format.bits();
  ImageFaultCounts counts;
  const auto& list = map.faults();
  for (std::size_t k = 0; k < list.size();) {
    const std::uint64_t element = list[k].bit / width;
    const auto i = static_cast<std::int64_t>(element);
    const float before = view.get(row, i);
    const std::uint32_t clean = draw.format.encode(before, draw.scale);
    std::uint32_t word = clean;
    for (; k < list.size() && list[k].bit / width == element; ++k)
      word = faults::with_fault(word, list[k].bit % width, list[k].kind);
    if (word == clean) continue;  // a stuck bit that already held its value
    const float after = draw.format.decode(word, draw.scale);
    view.set(row, i, after);
    note_change(draw, image, i, before, clean, word, after, counts, log);
  }
  return counts;
}

}  // namespace flipguard::fault_sites
