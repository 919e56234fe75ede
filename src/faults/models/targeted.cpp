// target:<tensor>,<element>,<bit>[;...]: deterministic single-bit flips; the rate is unused.
#include <stdexcept>
#include <vector>

#include "faults/fault_model_registry.hpp"
#include "faults/spec_grammar.hpp"

namespace flipguard::faults {
namespace models {
namespace {

void parse_targets(std::string_view text, FaultModel& model) {
  for (const std::string_view item : spec::split(text, ';')) {
    const auto fields = spec::split(item, ',');
    if (fields.size() != 3 || fields[0].empty()) {
      throw std::invalid_argument("target '" + std::string(item) + "' is not <tensor>,<element>,<bit>");
    }
    const unsigned bit = spec::parse_bit_position(fields[2]);
    model.targets.push_back({std::string(fields[0]), spec::parse_u64(fields[1], "element index"), bit});
  }
}

std::string format_targets(const FaultModel& model) {
  std::string out;
  for (std::size_t i = 0; i < model.targets.size(); ++i) {
    if (i > 0) out += ';';
    const BitTarget& t = model.targets[i];
    out += t.tensor + "," + std::to_string(t.element) + "," + std::to_string(t.bit);
  }
  return out;
}

// Targeted flips are data-bit faults: they apply only on Stream::kData. A target names its tensor by name or
// by numeric key.
FaultMap sample_targets(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  if (key.stream != static_cast<std::uint64_t>(Stream::kData)) return FaultMap(region.bits(), {});
  std::vector<ElementBit> mine;
  for (const BitTarget& t : model.targets) {
    if (t.tensor == region.tensor_name || t.tensor == std::to_string(key.tensor))
      mine.push_back({t.element, t.bit});
  }
  return targeted_flips(region, mine);
}

}  // namespace

extern constinit const FaultModelType targeted{
    .name = "target",
    .summary = "flips exactly the named bits (the rate is unused: the grid takes one BER)",
    .takes_rate = false,
    .options_syntax = "<tensor>,<element>,<bit>[;...]",
    .options_doc =
        "the named bit (0 = LSB) of the named element (flat, row-major index) of the named stored "
        "weight (`flipguard inspect-model` lists the names); ';' separates targets",
    .options_optional = false,
    .example = "target@conv1.weight,0,7;linear.weight,3,1",
    .parse_options = parse_targets,
    .format_options = format_targets,
    .sample = sample_targets,
    .per_bit_fault = std::nullopt,  // critical-bit conditioning does not apply
};

}  // namespace models

const FaultModelKind FaultModelKind::kTargeted{&models::targeted};

}  // namespace flipguard::faults
