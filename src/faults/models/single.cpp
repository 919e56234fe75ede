// single: exactly one fault per image, at a uniformly drawn bit of all the selected values together (so a
// value is hit in proportion to its size): PyTorchFI's single-neuron injection, a bit flip, or with
// value=LO,HI the element's stored word replaced by a random value uniform in [LO, HI] (PyTorchFI's
// random_value, [-1, 1] by default there). The rate is unused. A site redrawn per image draws which value,
// bit and random value (fault_sites/activations/); `sample` places the one flip uniformly within a region.
#include <stdexcept>

#include "faults/fault_model_registry.hpp"
#include "faults/spec_grammar.hpp"

namespace flipguard::faults {
namespace models {
namespace {

FaultMap sample_single(const FaultModel&, const SampleRegion& region, const RngKey& key) {
  KeyedRng rng(key);
  return FaultMap(region.bits(), {Fault{rng.below(region.bits()), FaultKind::kFlip}});
}

void parse_value_range(std::string_view text, FaultModel& model) {
  if (!text.starts_with("value=")) throw std::invalid_argument("expected single or single@value=<lo>,<hi>");
  const auto ends = spec::split(text.substr(6), ',');
  if (ends.size() != 2)
    throw std::invalid_argument("expected value=<lo>,<hi>, got '" + std::string(text) + "'");
  const double lo = spec::parse_real(ends[0], "value"), hi = spec::parse_real(ends[1], "value");
  if (!(lo <= hi))
    throw std::invalid_argument("value range [" + std::string(ends[0]) + ", " + std::string(ends[1]) +
                                "] is empty");
  model.value_range = {lo, hi};
}

std::string format_value_range(const FaultModel& model) {
  if (model.value_range.empty()) return "";
  return "value=" + spec::format_rate(model.value_range[0]) + "," + spec::format_rate(model.value_range[1]);
}

}  // namespace

extern constinit const FaultModelType single{
    .name = "single",
    .summary =
        "exactly one bit flip per image, at a uniformly drawn bit of the selected activation values "
        "(a value in proportion to its size; the rate is unused: the grid takes one BER)",
    .takes_rate = false,
    .options_syntax = "value=<lo>,<hi>",
    .options_doc =
        "instead of a bit flip, the drawn element's stored word holds a random value uniform in [lo, hi] "
        "(stored in the format: rounded, and clamped for int8 and fixed point)",
    .options_optional = true,
    .spec_separator = ':',
    .example = "single",
    .parse_options = parse_value_range,
    .format_options = format_value_range,
    .sample = sample_single,
    .per_bit_fault = std::nullopt,
    .one_per_image = true,
};

}  // namespace models
}  // namespace flipguard::faults
