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
    if (fields.size() < 3 || fields[0].empty()) {
      throw std::invalid_argument("target '" + std::string(item) +
                                  "' is not <tensor>,<element>,<bit> (stored weights) or "
                                  "<value>,<image>,<coordinates...>,<bit> (activations)");
    }
    BitTarget target{.tensor = std::string(fields[0]), .index = {}, .bit = 0};
    for (std::size_t f = 1; f + 1 < fields.size(); ++f)
      target.index.push_back(spec::parse_u64(fields[f], "element index"));
    target.bit = spec::parse_bit_position(fields.back());
    model.targets.push_back(std::move(target));
  }
}

// A stored weight's target: one flat index (the site's check names the form otherwise).
std::uint64_t flat_element(const BitTarget& t) {
  if (t.index.size() != 1)
    throw std::invalid_argument("target '" + t.tensor +
                                "': a stored weight takes one flat element index: <tensor>,<element>,<bit>");
  return t.index[0];
}

std::string format_targets(const FaultModel& model) {
  std::string out;
  for (std::size_t i = 0; i < model.targets.size(); ++i) {
    if (i > 0) out += ';';
    const BitTarget& t = model.targets[i];
    out += t.tensor;
    for (const auto i : t.index) out += "," + std::to_string(i);
    out += "," + std::to_string(t.bit);
  }
  return out;
}

// Targeted flips are data-bit faults of stored weights: they apply only on Stream::kData (the activations
// site places its targets itself, by image). A target names its tensor by name or by numeric key.
FaultMap sample_targets(const FaultModel& model, const SampleRegion& region, const RngKey& key) {
  if (key.stream != static_cast<std::uint64_t>(Stream::kData)) return FaultMap(region.bits(), {});
  std::vector<ElementBit> mine;
  for (const BitTarget& t : model.targets) {
    if (t.tensor == region.tensor_name || t.tensor == std::to_string(key.tensor))
      mine.push_back({flat_element(t), t.bit});
  }
  return targeted_flips(region, mine);
}

}  // namespace

extern constinit const FaultModelType targeted{
    .name = "target",
    .summary = "flips exactly the named bits (the rate is unused: the grid takes one BER)",
    .takes_rate = false,
    .options_syntax = "<tensor>,<element>,<bit>[;...] or <value>,<image>,<coordinates...>,<bit>[;...]",
    .options_doc =
        "the named bit (0 = LSB) of the named element (flat, row-major index) of the named stored "
        "weight; on --site activations, of the named value's element in dataset image <image>, given by "
        "its coordinates in the image (C,H,W for a feature map) or its flat index there (`flipguard "
        "inspect-model [--site activations]` lists the names); ';' separates targets",
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
